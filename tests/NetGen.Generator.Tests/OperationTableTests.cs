using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.IO;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generator's activation and loss tables (Emit/Activations.cs, Emit/Losses.cs) hold one entry for every value of the
/// runtime's <see cref="Activation"/> and <see cref="Loss"/>, each complete for what it claims, and agree with the
/// runtime's own tables (Interpreted/ActivationTable.cs, Interpreted/LossTable.cs) on what both describe.
/// </summary>
public class OperationTableTests
{
    private static readonly MathText[] Forms = [MathText.Float, MathText.Double, MathText.Vector128, MathText.Vector256];

    public static TheoryData<Activation> RuntimeActivations => new(Enum.GetValues<Activation>());

    public static TheoryData<Loss> RuntimeLosses => new(Enum.GetValues<Loss>());

    [Theory]
    [MemberData(nameof(RuntimeActivations))]
    public void EveryRuntimeActivationHasExactlyOneGeneratorEntry(Activation activation)
    {
        var entries = Activations.All.Where(e => (int)e.Kind == (int)activation).ToList();
        Assert.Single(entries);
        Assert.Equal(activation.ToString(), entries[0].Kind.ToString());
        Assert.False(string.IsNullOrEmpty(entries[0].Name));
        Assert.False(string.IsNullOrEmpty(entries[0].Equation));
    }

    [Fact]
    public void TheGeneratorTablesHoldNothingTheRuntimeLacks()
    {
        Assert.All(Activations.All, e => Assert.True(Enum.IsDefined((Activation)(int)e.Kind), $"{e.Kind} is not a runtime Activation"));
        Assert.All(Losses.All, e => Assert.True(Enum.IsDefined((Loss)(int)e.Kind), $"{e.Kind} is not a runtime Loss"));
    }

    [Theory]
    [MemberData(nameof(RuntimeLosses))]
    public void EveryRuntimeLossHasExactlyOneCompleteGeneratorEntry(Loss loss)
    {
        var entries = Losses.All.Where(e => (int)e.Kind == (int)loss).ToList();
        var entry = Assert.Single(entries);
        Assert.Equal(loss.ToString(), entry.Kind.ToString());
        Assert.False(string.IsNullOrEmpty(entry.Equation));
        Assert.False(string.IsNullOrEmpty(entry.DirectionalDeltaEquation));
        var operands = new LossOperands("z", "a", "y", "loss", "error", "sumY", "lse");
        foreach (var form in Forms)
        {
            Assert.NotEmpty(entry.Term(form, operands));
            if (entry.IsFused)
            {
                Assert.NotNull(entry.FusedDelta?.Invoke(form, operands));
                Assert.NotNull(entry.FusedDirectionalDelta?.Invoke(form, operands, "ra"));
            }
            else
            {
                // BP1 multiplies ∇_a C by σ', and the curvature product needs ∇_a C and its directional derivative.
                Assert.NotNull(entry.Gradient?.Invoke(form, operands));
                Assert.NotNull(entry.GradientExpression?.Invoke(form, operands));
                Assert.NotNull(entry.DirectionalGradient?.Invoke(form, operands, "ra"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(RuntimeActivations))]
    public void ElementwiseEntriesGiveTextInEveryFormAndReadZOrAAsTheySay(Activation activation)
    {
        var entry = Activations.Of((ActivationKind)(int)activation);
        var layer = new DenseLayerModel(3, entry.Kind, 0.25, 1.0);
        if (!entry.IsElementwise)
        {
            Assert.False(entry.HasDerivative);
            return;
        }

        foreach (var form in Forms)
        {
            Assert.Contains("@Z@", entry.Forward(form, layer, "@Z@"), StringComparison.Ordinal);
            Assert.Equal(entry.IsTrainable, entry.HasDerivative);
            if (!entry.HasDerivative)
            {
                continue;
            }

            var texts = new List<string?>
            {
                entry.Derivative(form, layer, "@Z@", "@A@"),
                entry.TimesDerivative(form, layer, "@Z@", "@A@", "@D@"),
                entry.SecondDerivative(form, layer, "@Z@", "@A@"),
            };
            Assert.Contains("@D@", texts[1], StringComparison.Ordinal);
            // The emitters hand over z or a, not both: an entry's derivatives read exactly the one it names.
            string unused = entry.NeedsZ ? "@A@" : "@Z@";
            Assert.All(texts, text => Assert.DoesNotContain(unused, text ?? string.Empty, StringComparison.Ordinal));
        }
    }

    // The modules of the pinned names (PINNED-API.md, DESIGN.md), with a parameter of 0.25.
    private static readonly Dictionary<Activation, string?> PinnedPyTorchModules = new()
    {
        [Activation.Identity] = null,
        [Activation.Sigmoid] = "nn.Sigmoid()",
        [Activation.Tanh] = "nn.Tanh()",
        [Activation.ReLU] = "nn.ReLU()",
        [Activation.LeakyReLU] = "nn.LeakyReLU(negative_slope=0.25)",
        [Activation.Softmax] = "nn.Softmax(dim=-1)",
        [Activation.Step] = "Step()",
        [Activation.ELU] = "nn.ELU(alpha=0.25)",
        [Activation.GELU] = "nn.GELU()",
        [Activation.SiLU] = "nn.SiLU()",
        [Activation.Softplus] = "nn.Softplus()",
    };

    [Theory]
    [MemberData(nameof(RuntimeActivations))]
    public void PyTorchModuleNamesAreThePinnedOnesAndTheOnesWeightsFilesDescribe(Activation activation)
    {
        var entry = Activations.Of((ActivationKind)(int)activation);
        string? module = entry.PyTorchModule is null ? null : string.Format(System.Globalization.CultureInfo.InvariantCulture, entry.PyTorchModule, 0.25);
        Assert.Equal(PinnedPyTorchModules[activation], module);
        var layer = new DenseLayerSpec(3, activation);
        if (entry.Parameter is not null)
        {
            // The entry names the DenseLayerSpec property that holds its parameter: set it (an init accessor) by that name.
            var property = typeof(DenseLayerSpec).GetProperty(entry.Parameter.SpecProperty);
            Assert.NotNull(property);
            property.SetValue(layer, 0.25);
        }

        string described = WeightsFile.DescribeAsPyTorchSequential(new NetworkSpec(2, [layer], loss: null, Precision.Single));
        Assert.Equal(module is null ? "nn.Sequential(nn.Linear(2, 3))" : $"nn.Sequential(nn.Linear(2, 3), {module})", described);
    }

    [Theory]
    [MemberData(nameof(RuntimeActivations))]
    public void EveryActivationHasAnEntryInTheRuntimeTableThatAgrees(Activation activation)
    {
        var generator = Activations.Of((ActivationKind)(int)activation);
        var runtime = RuntimeEntry("NetGen.ActivationTable", activation);
        Assert.Equal(generator.IsElementwise, Property<bool>(runtime, "IsElementwise"));
        Assert.Equal(generator.IsTrainable, Property<bool>(runtime, "IsTrainable"));
        var layer = new DenseLayerSpec(3, activation) { LeakySlope = 0.25, Alpha = 0.75 };
        string? module = generator.PyTorchModule is null || generator.Parameter is null
            ? generator.PyTorchModule
            : string.Format(System.Globalization.CultureInfo.InvariantCulture, generator.PyTorchModule, activation == Activation.ELU ? 0.75 : 0.25);
        Assert.Equal(module, (string?)runtime.GetType().GetMethod("PyTorchModule")!.Invoke(runtime, [layer]));

        // Softplus is the one difference: σ' = 1 − e^(−a) keeps its accuracy for small a only through an accurate e^x − 1,
        // which the runtime computes in double and the generated single-precision code does not have, so the generated
        // code keeps z and calls VectorMath's z forms.
        bool runtimeNeedsZ = Property<bool>(runtime, "NeedsWeightedInput");
        Assert.Equal(activation == Activation.Softplus ? !runtimeNeedsZ : runtimeNeedsZ, generator.NeedsZ);
    }

    [Theory]
    [MemberData(nameof(RuntimeLosses))]
    public void EveryLossHasAnEntryInTheRuntimeTableThatAgrees(Loss loss)
    {
        var generator = Losses.Of((LossKind)(int)loss);
        var runtime = RuntimeEntry("NetGen.LossTable", loss);
        Assert.Equal(loss, Property<Loss>(runtime, "Loss"));
        var fused = Property<Activation?>(runtime, "FusedOutput");
        Assert.Equal(generator.FusedWith is { } kind ? (Activation)(int)kind : null, fused);
    }

    // The runtime's tables are internal to NetGen: read through reflection, as the generator tests see only its public API.
    private static object RuntimeEntry<TKey>(string table, TKey key)
    {
        var type = typeof(NetworkSpec).Assembly.GetType(table, throwOnError: true)!;
        var method = type.GetMethod("For", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static, [typeof(TKey)]);
        Assert.NotNull(method);
        return method.Invoke(null, [key])!;
    }

    private static T Property<T>(object entry, string name) => (T)entry.GetType().GetProperty(name)!.GetValue(entry)!;
}
