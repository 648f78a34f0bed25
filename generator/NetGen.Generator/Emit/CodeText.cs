using System;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>Small pieces of generated code that several emitters write the same way.</summary>
internal static class CodeText
{
    /// <summary>The element at a constant offset from a reference: the reference itself at 0.</summary>
    public static string Element(string reference, int offset) =>
        offset == 0 ? reference : $"{TypeNames.Unsafe}.Add(ref {reference}, {MathText.Int(offset)})";

    /// <summary>"// Dense layer 2 (output, 32 → 10): z² = W² a¹ + b², a² = softmax(z²)." above each layer's forward code.</summary>
    public static void LayerComment(SourceWriter w, NetworkModel model, int l, string note = "")
    {
        var layer = model.Layers[l];
        bool isOutput = l == model.Layers.Count - 1;
        string sup = MathText.Sup(l + 1);
        w.Line($"// Dense layer {MathText.Int(l + 1)} ({(isOutput ? "output, " : string.Empty)}{MathText.Int(model.InputSizeOf(l))} → {MathText.Int(layer.Size)}): z{sup} = W{sup} a{MathText.Sup(l)} + b{sup}, a{sup} = {Activations.Of(layer).Describe(layer)}(z{sup}){note}.");
    }

    /// <summary>
    /// Writes <paramref name="body"/> for the blocks of eight elements at base + 0, base + 8, … below base + end: written
    /// out with constant offsets up to <paramref name="maxWrittenOut"/> blocks, and as one loop over j beyond, so the
    /// code stays bounded whatever the width. Both forms run the same operations in the same order.
    /// </summary>
    /// <param name="w">The writer.</param>
    /// <param name="origin">The base offset, an expression (e.g. "o").</param>
    /// <param name="end">The end of the blocks relative to the base, a multiple of eight.</param>
    /// <param name="maxWrittenOut">The most blocks written out.</param>
    /// <param name="body">Writes the statements for the block at the given offset expression.</param>
    public static void Blocks(SourceWriter w, string origin, int end, int maxWrittenOut, Action<string> body)
    {
        if (end / 8 <= maxWrittenOut)
        {
            for (int j = 0; j < end; j += 8)
            {
                body(j == 0 ? origin : $"{origin} + {MathText.Int(j)}");
            }

            return;
        }

        w.Open($"for (int j = 0; j < {MathText.Int(end)}; j += 8)");
        body($"{origin} + j");
        w.Close();
    }
}
