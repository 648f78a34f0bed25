using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Typing a declaration one character at a time (every prefix of a valid attribute) never crashes the generator and never
/// adds NetGen noise on top of the compiler's own error for the half-typed attribute.
/// </summary>
public class AttributePrefixTests
{
    private const string Template = "using NetGen;\n[Network(Loss = Loss.SoftmaxCrossEntropy)]\n[Input(64)]\n{0}\n[Dense(10, Activation.Softmax)]\npublic partial class TypingNet;\n";

    public static TheoryData<string> Attributes => new()
    {
        "[Dense(32, Activation.LeakyReLU, LeakySlope = 0.2)]",
        "[Dense(32, Activation.Tanh, Alpha = 0.5)]",
        "[Input(64)]",
        "[Dropout(0.8)]",
        "[Network(Loss = Loss.SoftmaxCrossEntropy, Precision = Precision.Double)]",
    };

    [Theory]
    [MemberData(nameof(Attributes))]
    public void EveryPrefixRunsWithoutAGeneratorCrash(string attribute)
    {
        var completeIds = GeneratorHarness.Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, Template, attribute))
            .NetGenDiagnostics.Select(d => d.Id).ToHashSet();
        var failures = new List<string>();
        for (int length = 0; length <= attribute.Length; length++)
        {
            string prefix = attribute.Substring(0, length);
            var outcome = GeneratorHarness.Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, Template, prefix));
            var all = outcome.Output.GetDiagnostics().Concat(outcome.GeneratorDiagnostics).ToList();
            if (all.Any(d => d.Id is "CS8784" or "CS8785" or "NG9999"))
            {
                failures.Add($"'{prefix}': {GeneratorHarness.Describe(all.Where(d => d.Id is "CS8784" or "CS8785" or "NG9999"))}");
            }

            bool compilerError = outcome.Output.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("NG", System.StringComparison.Ordinal));
            // On top of the compiler's error for a half-typed attribute, NetGen may only say what it says of the finished one
            // (a second [Input] is a real NG0005 however it is typed).
            var noise = outcome.NetGenDiagnostics.Where(d => !completeIds.Contains(d.Id)).ToList();
            if (compilerError && noise.Count > 0)
            {
                failures.Add($"'{prefix}': NetGen reported {GeneratorHarness.Describe(noise)} on top of a compiler error");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
