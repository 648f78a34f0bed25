using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the generated <c>Workspace</c>: the scratch memory of the mini-batch passes and the curvature product, one
/// array per quantity and stage, sample-major. Names the arrays for every other emitter: stage s is the input (s = 0) or
/// dense layer s.
/// </summary>
internal static class WorkspaceEmitter
{
    /// <summary>a^s, the activations before dropout.</summary>
    public static string A(int stage) => "A" + MathText.Int(stage);

    /// <summary>x^s = a^s ⊙ m^s, after dropout.</summary>
    public static string Dropped(int stage) => "X" + MathText.Int(stage);

    /// <summary>m^s, the dropout mask.</summary>
    public static string Mask(int stage) => "M" + MathText.Int(stage);

    /// <summary>δ^s.</summary>
    public static string Delta(int stage) => "D" + MathText.Int(stage);

    /// <summary>
    /// z of dense layer <paramref name="layerIndex"/> (0-based), where training keeps it: "ZL" for the output layer,
    /// "Z{stage}" for a hidden layer whose activation needs z, null for one whose derivatives read only a.
    /// </summary>
    public static string? Z(EmissionPlan plan, int layerIndex) =>
        layerIndex == plan.Model.Layers.Count - 1 ? "ZL" : plan.KeepsZ[layerIndex] ? "Z" + MathText.Int(layerIndex + 1) : null;

    public static double KeepOf(NetworkModel model, int stage) =>
        stage == 0 ? model.InputKeepProbability : model.Layers[stage - 1].KeepProbability;

    public static int SizeOf(NetworkModel model, int stage) =>
        stage == 0 ? model.InputSize : model.Layers[stage - 1].Size;

    public static void Write(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        string t = c.T;
        int layers = model.Layers.Count;
        bool softmax = !Activations.Of(model.Layers[layers - 1]).IsElementwise;
        w.Block($"""

            /// <summary>
            /// Scratch memory for mini-batch passes of this network: per layer the activations a (before dropout), the dropped
            /// activations x = a ⊙ m and masks m of layers with dropout, the errors δ = ∂C/∂z, and z where backpropagation reads
            /// it. The curvature product's buffers are allocated by the first product on the workspace. One per concurrent caller.
            /// </summary>
            """);
        w.Open($"public sealed class Workspace : {TypeNames.NetworkWorkspace}");
        w.Block("""
            /// <summary>Creates a workspace for batches of up to <paramref name="batchCapacity"/> samples.</summary>
            /// <param name="batchCapacity">The largest batch, at least 1.</param>
            """);
        w.Open($"public Workspace(int batchCapacity) : base({model.QualifiedTypeIdentifier}.Spec, batchCapacity)");
        for (int stage = 0; stage <= layers; stage++)
        {
            string size = MathText.Int(SizeOf(model, stage));
            if (stage > 0)
            {
                w.Line($"{A(stage)} = new {t}[batchCapacity * {size}];");
                w.Line($"{Delta(stage)} = new {t}[batchCapacity * {size}];");
                if (stage < layers && Z(c.Plan, stage - 1) is { } z)
                {
                    w.Line($"{z} = new {t}[batchCapacity * {size}];");
                }
            }

            if (KeepOf(model, stage) < 1.0)
            {
                w.Line($"{Dropped(stage)} = new {t}[batchCapacity * {size}];");
                w.Line($"{Mask(stage)} = new {t}[batchCapacity * {size}];");
            }
        }

        w.Line($"ZL = new {t}[batchCapacity * OutputSize];");
        if (softmax)
        {
            w.Line($"LogSumExp = new {t}[batchCapacity];");
        }

        w.Close();
        for (int stage = 0; stage <= layers; stage++)
        {
            WriteFields(w, c, stage);
        }

        w.Line();
        w.Line("/// <summary>zᴸ, the output layer's weighted input, kept for the numerically stable forms of the losses.</summary>");
        w.Line($"internal readonly {t}[] ZL;");
        if (softmax)
        {
            w.Line();
            w.Line("/// <summary>ln Σ_k e^(zᴸ_k) per sample, from the softmax pass, so the log-likelihood needs no second round of exponentials.</summary>");
            w.Line($"internal readonly {t}[] LogSumExp;");
        }

        w.Block("""

            private CurvatureBuffers? _curvature;

            /// <summary>
            /// The curvature product's buffers, allocated by the first product on this workspace (first-order training never
            /// needs them, and they would take several times its memory); every later product reuses them.
            /// </summary>
            internal CurvatureBuffers Curvature => _curvature ??= new CurvatureBuffers(BatchCapacity);
            """);
        WriteCurvatureBuffers(w, c);
        w.Close();
    }

    private static void WriteFields(SourceWriter w, EmitContext c, int stage)
    {
        var model = c.Model;
        string t = c.T;
        string sup = MathText.Sup(stage);
        string what = stage == 0 ? "the inputs" : "dense layer " + MathText.Int(stage);
        if (stage > 0)
        {
            w.Block($"""

                /// <summary>a{sup}, the activations of {what} (before dropout), sample-major.</summary>
                internal readonly {t}[] {A(stage)};

                /// <summary>δ{sup} = ∂C/∂z{sup}, sample-major.</summary>
                internal readonly {t}[] {Delta(stage)};
                """);
            if (stage < model.Layers.Count && Z(c.Plan, stage - 1) is { } z)
            {
                w.Block($"""

                    /// <summary>z{sup}, the weighted input of {what}, sample-major: its activation's σ' and σ'' read z.</summary>
                    internal readonly {t}[] {z};
                    """);
            }
        }

        if (KeepOf(model, stage) < 1.0)
        {
            w.Block($"""

                /// <summary>x{sup} = a{sup} ⊙ m{sup}, {what} after dropout: what the next layer reads while training.</summary>
                internal readonly {t}[] {Dropped(stage)};

                /// <summary>m{sup}, the inverted-dropout mask of {what}: 1/p for kept units, 0 for dropped ones.</summary>
                internal readonly {t}[] {Mask(stage)};
                """);
        }
    }

    // The nested class of the curvature product's arrays, per dense layer: R{z}, R{δ}, R{x} below the output, and in
    // single precision the stacked batches of the exact Hessian's weight products.
    private static void WriteCurvatureBuffers(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        string t = c.T;
        int layers = model.Layers.Count;
        w.Block("""

            /// <summary>The curvature product's arrays, sample-major.</summary>
            """);
        w.Open("internal sealed class CurvatureBuffers");
        w.Open("internal CurvatureBuffers(int batchCapacity)");
        for (int stage = 1; stage <= layers; stage++)
        {
            string n = MathText.Int(stage);
            string size = MathText.Int(SizeOf(model, stage));
            w.Line($"RZ{n} = new {t}[batchCapacity * {size}];");
            w.Line($"RD{n} = new {t}[batchCapacity * {size}];");
            if (stage < layers)
            {
                w.Line($"RX{n} = new {t}[batchCapacity * {size}];");
            }

            if (!c.IsDouble && stage > 1)
            {
                w.Line($"SX{n} = new {t}[2 * batchCapacity * {MathText.Int(SizeOf(model, stage - 1))}];");
                w.Line($"SD{n} = new {t}[2 * batchCapacity * {size}];");
            }
        }

        w.Close();
        for (int stage = 1; stage <= layers; stage++)
        {
            string sup = MathText.Sup(stage);
            string n = MathText.Int(stage);
            w.Block($$"""

                /// <summary>R{z{{sup}}}, the directional derivative of z{{sup}} along v.</summary>
                internal readonly {{t}}[] RZ{{n}};

                /// <summary>R{δ{{sup}}}.</summary>
                internal readonly {{t}}[] RD{{n}};
                """);
            if (stage < layers)
            {
                w.Block($$"""

                    /// <summary>R{x{{sup}}} = σ'(z{{sup}}) ⊙ R{z{{sup}}} ⊙ m{{sup}}.</summary>
                    internal readonly {{t}}[] RX{{n}};
                    """);
            }

            if (!c.IsDouble && stage > 1)
            {
                string input = MathText.Sup(stage - 1);
                w.Block($$"""

                    /// <summary>x{{input}} then R{x{{input}}}, one batch after the other: the exact Hessian's R{δ{{sup}}} x{{input}}ᵀ + δ{{sup}} R{x{{input}}}ᵀ is one
                    /// weight-gradient product over twice the batch. Also the scratch for (V)ᵀ δ.</summary>
                    internal readonly {{t}}[] SX{{n}};

                    /// <summary>R{δ{{sup}}} then δ{{sup}}, one batch after the other, to go with SX{{n}}.</summary>
                    internal readonly {{t}}[] SD{{n}};
                    """);
            }
        }

        w.Close();
    }
}
