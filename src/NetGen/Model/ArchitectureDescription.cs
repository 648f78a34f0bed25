// One source for the runtime and the source generator: generator/NetGen.Generator links this file (see its .csproj),
// where it compiles into NetGen.Generator.Shared.
using System.Collections.Generic;
using System.Globalization;
using System.Text;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared;
#else
namespace NetGen;
#endif

/// <summary>
/// The text of an architecture, such as <c>64 → 32 ReLU (keep 0.8) → 10 Softmax, SoftmaxCrossEntropy</c>: what must
/// match for weights to mean the same thing in another network. <c>NetworkSpec.DescribeArchitecture</c> writes it into
/// every weights file (the <c>netgen.spec</c> metadata), and the generator compares a baked file's with the declaration's.
/// </summary>
internal static class ArchitectureDescription
{
    public static string Describe(int inputSize, double inputKeepProbability, IReadOnlyList<DenseLayerFacts> layers, Loss? loss)
    {
        var text = new StringBuilder();
        text.Append(inputSize.ToString(CultureInfo.InvariantCulture));
        AppendKeep(text, inputKeepProbability);
        foreach (var layer in layers)
        {
            text.Append(" → ").Append(layer.Size.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(layer.Activation.ToString());
            if (layer.Activation == Activation.LeakyReLU)
            {
                text.Append("(α=").Append(NetworkRules.Real(layer.LeakySlope)).Append(')');
            }
            else if (layer.Activation == Activation.ELU)
            {
                text.Append("(α=").Append(NetworkRules.Real(layer.Alpha)).Append(')');
            }

            AppendKeep(text, layer.KeepProbability);
        }

        text.Append(", ").Append(loss?.ToString() ?? "forward-only");
        return text.ToString();
    }

    private static void AppendKeep(StringBuilder text, double keep)
    {
        if (keep < 1.0)
        {
            text.Append(" (keep ").Append(NetworkRules.Real(keep)).Append(')');
        }
    }
}
