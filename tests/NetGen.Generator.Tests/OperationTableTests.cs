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
/// runtime's <see cref="Activation"/> and <see cref="Loss"/>, and each entry is complete for what it claims.
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
    public void ElementwiseEntriesGiveTextInEveryFormAndReadZOnlyWhereTheySayTheyNeedIt(Activation activation)
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
            Assert.Contains("zMark", entry.Forward(form, layer, "zMark"), StringComparison.Ordinal);
            Assert.Equal(entry.IsTrainable, entry.HasDerivative);
            if (!entry.HasDerivative)
            {
                continue;
            }

            var texts = new List<string?>
            {
                entry.Derivative(form, layer, "zMark", "aMark"),
                entry.TimesDerivative(form, layer, "zMark", "aMark", "deltaMark"),
                entry.SecondDerivative(form, layer, "zMark", "aMark"),
            };
            Assert.Contains("deltaMark", texts[1], StringComparison.Ordinal);
            if (!entry.NeedsZ)
            {
                Assert.All(texts, text => Assert.DoesNotContain("zMark", text ?? string.Empty, StringComparison.Ordinal));
            }
        }
    }

    [Theory]
    [MemberData(nameof(RuntimeActivations))]
    public void PyTorchModuleNamesAreTheOnesWeightsFilesDescribe(Activation activation)
    {
        var entry = Activations.Of((ActivationKind)(int)activation);
        var layer = new DenseLayerSpec(3, activation);
        if (entry.Parameter is not null)
        {
            // The entry names the DenseLayerSpec property that holds its parameter: set it (an init accessor) by that name.
            var property = typeof(DenseLayerSpec).GetProperty(entry.Parameter.SpecProperty);
            Assert.NotNull(property);
            property.SetValue(layer, 0.25);
        }

        string described = WeightsFile.DescribeAsPyTorchSequential(new NetworkSpec(2, [layer], loss: null, Precision.Single));
        string expected = entry.PyTorchModule is null
            ? "nn.Sequential(nn.Linear(2, 3))"
            : $"nn.Sequential(nn.Linear(2, 3), {string.Format(System.Globalization.CultureInfo.InvariantCulture, entry.PyTorchModule, 0.25)})";
        Assert.Equal(expected, described);
        Assert.False(string.IsNullOrEmpty(entry.OnnxForm));
        if (entry.OnnxOperator is not null)
        {
            Assert.StartsWith(entry.OnnxOperator, entry.OnnxForm, StringComparison.Ordinal);
        }
    }
}
