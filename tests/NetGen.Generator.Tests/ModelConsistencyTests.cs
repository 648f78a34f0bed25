using System;
using System.Linq;
using NetGen.Generator.Model;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>The generator's mirrors of the runtime's enums and rules stay in step with the runtime.</summary>
public class ModelConsistencyTests
{
    [Theory]
    [InlineData(typeof(ActivationKind), typeof(Activation))]
    [InlineData(typeof(LossKind), typeof(Loss))]
    [InlineData(typeof(PrecisionKind), typeof(Precision))]
    public void EnumMirrorsMatchTheRuntime(Type mirror, Type runtime)
    {
        var expected = Enum.GetValues(runtime).Cast<object>().Select(v => (Enum.GetName(runtime, v), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)));
        var actual = Enum.GetValues(mirror).Cast<object>().Select(v => (Enum.GetName(mirror, v), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void LimitsMatchTheRuntime()
    {
        Assert.Equal(NetworkLimits.MaxLayerSize, NetGen.Generator.Parsing.NetworkParser.MaxLayerSize);
        Assert.Equal(NetworkLimits.MaxDenseLayers, NetGen.Generator.Parsing.NetworkParser.MaxDenseLayers);
        Assert.Equal(NetworkLimits.MaxParameterCount, NetGen.Generator.Parsing.NetworkParser.MaxParameterCount);
        Assert.Equal(DenseAttribute.DefaultLeakySlope, NetGen.Generator.Parsing.NetworkParser.DefaultLeakySlope);
    }

    /// <summary>
    /// For a grid of declarations, the generator reports an error exactly when NetworkSpec rejects the same network at run
    /// time, and otherwise emits a Spec equal to the one built by hand.
    /// </summary>
    [Fact]
    public void GeneratorDiagnosticsAgreeWithRuntimeValidation()
    {
        var activations = Enum.GetValues<Activation>();
        var losses = new Loss?[] { null, Loss.MeanSquaredError, Loss.BinaryCrossEntropy, Loss.SoftmaxCrossEntropy };
        var keeps = new[] { 1.0, 0.5, 0.0 };
        var sources = new System.Text.StringBuilder("using NetGen;\n");
        var expectations = new System.Collections.Generic.List<(string Name, NetworkSpec? Spec)>();
        int index = 0;
        foreach (var hidden in activations)
        {
            foreach (var output in activations)
            {
                foreach (var loss in losses)
                {
                    foreach (var keep in keeps)
                    {
                        string name = "Grid" + index++;
                        string lossText = loss is null ? string.Empty : $"(Loss = Loss.{loss})";
                        string dropout = keep < 1.0 ? $"[Dropout({keep.ToString(System.Globalization.CultureInfo.InvariantCulture)})]" : string.Empty;
                        sources.Append($"[Network{lossText}][Input(3)][Dense(4, Activation.{hidden})]{dropout}[Dense(2, Activation.{output})] internal partial class {name};\n");
                        NetworkSpec? spec;
                        try
                        {
                            // Undeclared loss means MeanSquaredError, except that a Step network then stays forward-only.
                            bool hasStep = hidden == Activation.Step || output == Activation.Step;
                            Loss? effective = loss ?? (hasStep ? null : Loss.MeanSquaredError);
                            spec = new NetworkSpec(3, [new DenseLayerSpec(4, hidden) { KeepProbability = keep }, new DenseLayerSpec(2, output)], effective);
                        }
                        catch (ArgumentException)
                        {
                            spec = null;
                        }

                        expectations.Add((name, spec));
                    }
                }
            }
        }

        var outcome = GeneratorHarness.Run(sources.ToString());
        var generated = outcome.GeneratedHintNames.Select(h => h.Replace(".g.cs", string.Empty, StringComparison.Ordinal)).ToHashSet();
        var assembly = GeneratorHarness.CompileAndLoad(outcome);
        foreach (var (name, spec) in expectations)
        {
            Assert.True(spec is not null == generated.Contains(name), $"{name}: runtime {(spec is null ? "rejects" : "accepts")} it, generator {(generated.Contains(name) ? "emits" : "rejects")} it");
            if (spec is not null)
            {
                var emitted = (NetworkSpec)assembly.GetType(name)!.GetProperty("Spec")!.GetValue(null)!;
                Assert.Equal(spec, emitted);
            }
        }
    }
}
