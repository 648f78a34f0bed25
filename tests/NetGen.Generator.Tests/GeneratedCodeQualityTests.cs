using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Generated code compiles with every warning as an error (highest warning level, nullable, overflow checks, documentation
/// diagnostics), and is byte-identical whatever culture the compiler runs under.
/// </summary>
public class GeneratedCodeQualityTests
{
    /// <summary>Declarations that between them take every path of the emitter.</summary>
    public const string AllShapes = """
        using NetGen;

        namespace Shapes
        {
            /// <summary>Tiny, so Forward is fully unrolled.</summary>
            [Network(Loss = Loss.BinaryCrossEntropy)]
            [Input(2)]
            [Dense(4, Activation.Tanh)]
            [Dense(1, Activation.Sigmoid)]
            public partial class TinyNet;

            /// <summary>Looped Forward with vector kernels and tails; input and hidden dropout; softmax output.</summary>
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(37)]
            [Dropout(0.9)]
            [Dense(33, Activation.LeakyReLU, LeakySlope = 0.05)]
            [Dropout(0.8)]
            [Dense(10, Activation.Softmax)]
            public partial class LoopedNet;

            /// <summary>Double precision, every hidden activation, MSE through softmax.</summary>
            [Network(Precision = Precision.Double)]
            [Input(5)]
            [Dense(6, Activation.Identity)]
            [Dense(6, Activation.Sigmoid)]
            [Dense(6, Activation.ReLU)]
            [Dense(3, Activation.Softmax)]
            internal sealed partial record DoubleRecordNet;

            /// <summary>Hidden layer too wide for the stack.</summary>
            [Network]
            [Input(2)]
            [Dense(9000, Activation.ReLU)]
            [Dense(1, Activation.Identity)]
            public abstract partial class PooledNet;

            /// <summary>A forward-only perceptron.</summary>
            [Network]
            [Input(3)]
            [Dense(2, Activation.Step)]
            [Dense(1, Activation.Step)]
            public partial class StepNet;
        }

        /// <summary>In the global namespace.</summary>
        [Network(Loss = Loss.MeanSquaredError)]
        [Input(1)]
        [Dense(1, Activation.Identity)]
        public partial class GlobalNet;
        """;

    [Fact]

    [Trait("Category", "Slow")]
    public void GeneratedCodeHasNoWarningsUnderTheStrictestSettings()
    {
        var outcome = GeneratorHarness.Run(AllShapes);

        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Equal(6, outcome.GeneratedHintNames.Count());
        Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
    }

    [Fact]

    [Trait("Category", "Slow")]
    public void OutputDoesNotDependOnTheCompilersCulture()
    {
        string invariant = GeneratedText();
        var decimalComma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        decimalComma.NumberFormat.NumberDecimalSeparator = ",";
        decimalComma.NumberFormat.NumberGroupSeparator = ".";
        var unicodeMinus = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        unicodeMinus.NumberFormat.NegativeSign = "\u2212";
        unicodeMinus.NumberFormat.NumberDecimalSeparator = ",";

        foreach (var culture in new[] { decimalComma, unicodeMinus })
        {
            var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
            try
            {
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = culture;
                Assert.Equal(invariant, GeneratedText());
            }
            finally
            {
                (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
            }
        }

        // The declarations hold fractional and negative-exponent values, so a culture leak could not hide.
        Assert.Contains("0.05f", invariant, StringComparison.Ordinal);
        Assert.Contains("1.1111112f", invariant, StringComparison.Ordinal);
    }

    private static string GeneratedText()
    {
        var outcome = GeneratorHarness.Run(AllShapes);
        Assert.True(!outcome.CompilationProblems.Any(), GeneratorHarness.Describe(outcome.CompilationProblems));
        return string.Join("\n", outcome.Run.Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()));
    }
}
