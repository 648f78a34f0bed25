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
}
