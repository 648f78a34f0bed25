using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;
using NetGen.Generator.Shared;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// The generator and the runtime share their rules by compiling the same files (Model/NetworkRules.cs and friends); these
/// tests hold what is still written twice (the attributes' defaults) together, and prove that a declaration compiles
/// exactly when <see cref="NetworkSpec"/> accepts the same network, with the same message when it does not.
/// </summary>
public class ModelConsistencyTests
{
    [Fact]
    public void TheRulesDefaultsAreTheAttributesAndTheSpecsDefaults()
    {
        var attribute = new DenseAttribute(1, NetGen.Activation.ELU);
        var spec = new DenseLayerSpec(1, NetGen.Activation.ELU);

        Assert.Equal(NetworkRules.DefaultLeakySlope, attribute.LeakySlope);
        Assert.Equal(NetworkRules.DefaultLeakySlope, DenseAttribute.DefaultLeakySlope);
        Assert.Equal(NetworkRules.DefaultLeakySlope, spec.LeakySlope);
        Assert.Equal(NetworkRules.DefaultAlpha, attribute.Alpha);
        Assert.Equal(NetworkRules.DefaultAlpha, DenseAttribute.DefaultAlpha);
        Assert.Equal(NetworkRules.DefaultAlpha, spec.Alpha);
        Assert.Equal(NetworkRules.DefaultAlpha, new DenseLayerModel(1, NetGen.Generator.Shared.Activation.ELU, 0.01, 1.0).Alpha);
    }

    /// <summary>The rules know every value of the enums, and only those: a value added to an enum is not left undefined.</summary>
    [Fact]
    public void TheRulesDefineExactlyTheEnumsValues()
    {
        for (int value = -2; value < 64; value++)
        {
            var activation = (NetGen.Generator.Shared.Activation)value;
            var loss = (NetGen.Generator.Shared.Loss)value;
            var precision = (NetGen.Generator.Shared.Precision)value;
            var rules = NetworkRules.Check(2, 1.0, [new DenseLayerFacts(1, activation, 0.01, 1.0, 1.0)], null, NetGen.Generator.Shared.Precision.Single)
                .Concat(NetworkRules.Check(2, 1.0, [new DenseLayerFacts(1, NetGen.Generator.Shared.Activation.Identity, 0.01, 1.0, 1.0)], loss, precision))
                .Select(v => v.Rule)
                .ToHashSet();

            Assert.Equal(!Enum.IsDefined(activation), rules.Contains(NetworkRule.UndefinedActivation));
            Assert.Equal(!Enum.IsDefined(loss), rules.Contains(NetworkRule.UndefinedLoss));
            Assert.Equal(!Enum.IsDefined(precision), rules.Contains(NetworkRule.UndefinedPrecision));
        }
    }

    [Theory]
    [InlineData(Precision.Single)]
    [InlineData(Precision.Double)]
    public void TheSmallestKeepProbabilityIsTheSmallestWhoseScaleIsFinite(Precision precision)
    {
        var shared = (NetGen.Generator.Shared.Precision)precision;
        double minimum = NetworkRules.MinimumKeepProbability(shared);
        double below = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(minimum) - 1);

        Assert.True(IsFinite(1.0 / minimum, precision), "1/p at the minimum");
        Assert.False(IsFinite(1.0 / below, precision), "1/p just below it");
        Assert.Null(NetworkRules.KeepProbabilityProblem(minimum, shared, "the input"));
        Assert.NotNull(NetworkRules.KeepProbabilityProblem(below, shared, "the input"));
        Assert.InRange(minimum, precision == Precision.Single ? 2.9e-39 : 5.5e-309, precision == Precision.Single ? 3.0e-39 : 5.6e-309);

        static bool IsFinite(double scale, Precision precision) => precision == Precision.Double ? double.IsFinite(scale) : float.IsFinite((float)scale);
    }

    /// <summary>
    /// Thousands of declarations, through the generator's parser: each has an error exactly when <see cref="NetworkSpec"/>
    /// rejects the same network, the runtime's message is one of the generator's, and an accepted declaration's model is
    /// the spec built by hand. Parsing only, so it covers activations whatever the emitters support.
    /// </summary>
    [Fact]
    public void ParsedDeclarationsAgreeWithRuntimeValidationAndItsMessages()
    {
        var cases = new List<Declaration>();
        var activations = Enum.GetValues<NetGen.Activation>().Append((NetGen.Activation)42).ToArray();
        var losses = new Loss?[] { null, Loss.MeanSquaredError, Loss.BinaryCrossEntropy, Loss.SoftmaxCrossEntropy, (Loss)9 };
        foreach (var hidden in activations)
        {
            foreach (var output in activations)
            {
                foreach (var loss in losses)
                {
                    foreach (double keep in new[] { 1.0, 0.5, 0.0, 1e-40 })
                    {
                        cases.Add(new(3, 1.0, [new(4, hidden) { Keep = keep }, new(2, output)], loss, Precision.Single));
                    }
                }
            }
        }

        foreach (var precision in new[] { Precision.Single, Precision.Double, (Precision)2 })
        {
            foreach (double keep in new[] { 1.0, 3e-39, 1e-40, 1e-300, 1e-309, double.NaN, 1.5 })
            {
                cases.Add(new(3, keep, [new(4, NetGen.Activation.Tanh) { Keep = keep }, new(2, NetGen.Activation.Identity)], Loss.MeanSquaredError, precision));
            }
        }

        foreach (string alpha in new[] { "0.5", "2", "0", "-1", "double.NaN", "double.PositiveInfinity", "double.Epsilon" })
        {
            cases.Add(new(3, 1.0, [new(4, NetGen.Activation.ELU) { Alpha = alpha }, new(2, NetGen.Activation.Identity)], null, Precision.Single));
        }

        foreach (string slope in new[] { "0.2", "0.999", "0", "1", "-0.1", "double.NaN" })
        {
            cases.Add(new(3, 1.0, [new(4, NetGen.Activation.LeakyReLU) { LeakySlope = slope }, new(2, NetGen.Activation.Identity)], null, Precision.Single));
        }

        foreach (int size in new[] { 0, -3, 1, NetworkLimits.MaxLayerSize, NetworkLimits.MaxLayerSize + 1 })
        {
            cases.Add(new(size, 1.0, [new(2, NetGen.Activation.Tanh), new(1, NetGen.Activation.Identity)], null, Precision.Single));
            cases.Add(new(2, 1.0, [new(size, NetGen.Activation.Tanh), new(1, NetGen.Activation.Identity)], null, Precision.Single));
        }

        cases.Add(new(100_000, 1.0, [new(1000, NetGen.Activation.ReLU), new(1, NetGen.Activation.Identity)], null, Precision.Single));
        cases.Add(new(1, 1.0, Enumerable.Repeat(new Layer(1, NetGen.Activation.Tanh), 257).ToArray(), null, Precision.Single));

        var parsed = ParseOnly(string.Concat(cases.Select((c, i) => c.Source("Case" + i.ToString(CultureInfo.InvariantCulture)))));

        var disagreements = new List<string>();
        int accepted = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            accepted += parsed["Case" + i.ToString(CultureInfo.InvariantCulture)].Model is null ? 0 : 1;
            var result = parsed["Case" + i.ToString(CultureInfo.InvariantCulture)];
            var errors = result.Diagnostics.Where(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error).Select(d => d.ToDiagnostic().GetMessage(CultureInfo.InvariantCulture)).ToList();
            string declaration = cases[i].Source("Case" + i.ToString(CultureInfo.InvariantCulture)).TrimEnd();
            switch (cases[i].BuildSpec(out string? runtimeMessage))
            {
                case null when errors.Count == 0:
                    disagreements.Add($"{declaration}: the runtime rejects it ({runtimeMessage}), the generator accepts it");
                    break;
                case null when !errors.Contains(runtimeMessage!):
                    disagreements.Add($"{declaration}: the runtime says '{runtimeMessage}', the generator {string.Join(" | ", errors)}");
                    break;
                case { } spec when result.Model is null:
                    disagreements.Add($"{declaration}: the runtime accepts it, the generator says {string.Join(" | ", errors)}");
                    break;
                case { } spec when !spec.Equals(SpecOf(result.Model)):
                    disagreements.Add($"{declaration}: the generator's model is {SpecOf(result.Model)}, the runtime's spec {spec}");
                    break;
            }
        }

        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {cases.Count}:\n" + string.Join("\n", disagreements.Take(30)));
        Assert.Equal(cases.Count, parsed.Count);
        Assert.InRange(accepted, 300, cases.Count - 1000);
    }

    /// <summary>
    /// For 968 declarations (every activation before and after every other, every loss, with and without dropout),
    /// the generator reports an error exactly when NetworkSpec rejects the same network at run time, and otherwise emits a
    /// Spec, compiled and loaded, equal to the one built by hand.
    /// </summary>
    [Fact]
    public void GeneratorDiagnosticsAgreeWithRuntimeValidation()
    {
        var activations = Enum.GetValues<NetGen.Activation>();
        var losses = new Loss?[] { null, Loss.MeanSquaredError, Loss.BinaryCrossEntropy, Loss.SoftmaxCrossEntropy };
        // An invalid keep probability never reaches the emitters; the parser-level test above covers it.
        var keeps = new[] { 1.0, 0.5 };
        var sources = new StringBuilder("using NetGen;\n");
        var expectations = new List<(string Name, NetworkSpec? Spec)>();
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
                        var declaration = new Declaration(3, 1.0, [new(4, hidden) { Keep = keep }, new(2, output)], loss, Precision.Single);
                        sources.Append(declaration.Source(name));
                        expectations.Add((name, declaration.BuildSpec(out _)));
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

    private sealed record Layer(int Size, NetGen.Activation Activation)
    {
        public double Keep { get; init; } = 1.0;

        public string? LeakySlope { get; init; }

        public string? Alpha { get; init; }
    }

    /// <summary>A network written both ways: as attributes, and as the NetworkSpec the runtime would build.</summary>
    private sealed record Declaration(int InputSize, double InputKeep, Layer[] Layers, Loss? Loss, Precision Precision)
    {
        public string Source(string name)
        {
            var text = new StringBuilder("[Network(");
            var arguments = new List<string>();
            if (Loss is { } loss)
            {
                arguments.Add("Loss = " + Enum(loss));
            }

            if (Precision != Precision.Single)
            {
                arguments.Add("Precision = " + Enum(Precision));
            }

            text.Append(string.Join(", ", arguments)).Append(")][Input(").Append(Int(InputSize)).Append(')').Append(']');
            if (InputKeep != 1.0)
            {
                text.Append("[Dropout(").Append(Real(InputKeep)).Append(")]");
            }

            foreach (var layer in Layers)
            {
                text.Append("[Dense(").Append(Int(layer.Size)).Append(", ").Append(Enum(layer.Activation));
                text.Append(layer.LeakySlope is null ? string.Empty : ", LeakySlope = " + layer.LeakySlope);
                text.Append(layer.Alpha is null ? string.Empty : ", Alpha = " + layer.Alpha).Append(")]");
                if (layer.Keep != 1.0)
                {
                    text.Append("[Dropout(").Append(Real(layer.Keep)).Append(")]");
                }
            }

            return text.Append(" internal partial class ").Append(name).Append(";\n").ToString();
        }

        /// <summary>The spec the runtime builds, or null and the message (without its period and parameter name) it rejects it with.</summary>
        public NetworkSpec? BuildSpec(out string? message)
        {
            // Undeclared, the loss is MeanSquaredError, except that a Step network then stays forward-only.
            var loss = Loss ?? (Layers.Any(l => l.Activation == NetGen.Activation.Step) ? null : NetGen.Loss.MeanSquaredError);
            try
            {
                message = null;
                return new NetworkSpec(
                    InputSize,
                    Layers.Select(l => new DenseLayerSpec(l.Size, l.Activation) { KeepProbability = l.Keep, LeakySlope = Value(l.LeakySlope, 0.01), Alpha = Value(l.Alpha, 1.0) }),
                    loss,
                    Precision,
                    InputKeep);
            }
            catch (ArgumentException error)
            {
                message = error.Message.Split(" (Parameter", 2)[0].Split('\n', 2)[0].TrimEnd('.');
                return null;
            }
        }

        private static double Value(string? code, double otherwise) => code switch
        {
            null => otherwise,
            "double.NaN" => double.NaN,
            "double.PositiveInfinity" => double.PositiveInfinity,
            "double.Epsilon" => double.Epsilon,
            _ => double.Parse(code, CultureInfo.InvariantCulture),
        };

        private static string Enum<T>(T value)
            where T : struct, System.Enum =>
            System.Enum.IsDefined(value) ? $"{typeof(T).Name}.{value}" : $"({typeof(T).Name}){Convert.ToInt32(value, CultureInfo.InvariantCulture)}";

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Real(double value) => double.IsNaN(value) ? "double.NaN" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static NetworkSpec SpecOf(NetworkModel model) => new(
        model.InputSize,
        model.Layers.Select(l => new DenseLayerSpec(l.Size, (NetGen.Activation)l.Activation) { LeakySlope = l.LeakySlope, Alpha = l.Alpha, KeepProbability = l.KeepProbability }),
        (Loss?)model.Loss,
        (Precision)model.Precision,
        model.InputKeepProbability);

    /// <summary>Runs only the generator's parser (no emission) over every [Network] class, by class name.</summary>
    private static Dictionary<string, ParseResult> ParseOnly(string declarations)
    {
        var results = new ConcurrentDictionary<string, ParseResult>();
        var driver = CSharpGeneratorDriver.Create(new ParserOnlyGenerator(results).AsSourceGenerator());
        driver.RunGenerators(GeneratorHarness.Compilation("using NetGen;\n" + declarations));
        return new Dictionary<string, ParseResult>(results);
    }

    private sealed class ParserOnlyGenerator(ConcurrentDictionary<string, ParseResult> results) : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var parsed = context.SyntaxProvider.ForAttributeWithMetadataName(
                AttributeNames.Network,
                static (node, _) => node is ClassDeclarationSyntax,
                static (syntax, cancellationToken) => (syntax.TargetSymbol.Name, Result: NetworkParser.Parse(syntax, cancellationToken)));
            context.RegisterSourceOutput(parsed, (_, pair) => results[pair.Name] = pair.Result);
        }
    }
}
