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
        w.Block($"""

            /// <summary>
            /// Scratch memory for mini-batch passes of this network: per layer the activations a (before dropout), the dropped
            /// activations x = a ⊙ m and masks m of layers with dropout, and the errors δ = ∂C/∂z. One per concurrent caller.
            /// </summary>
            """);
        w.Open($"public sealed class Workspace : {TypeNames.NetworkWorkspace}");
        w.Block("""
            /// <summary>Creates a workspace for batches of up to <paramref name="batchCapacity"/> samples.</summary>
            /// <param name="batchCapacity">The largest batch, at least 1.</param>
            """);
        w.Open($"public Workspace(int batchCapacity) : base({model.TypeName}.Spec, batchCapacity)");
        for (int stage = 0; stage <= layers; stage++)
        {
            string size = MathText.Int(SizeOf(model, stage));
            if (stage > 0)
            {
                w.Line($"{A(stage)} = new {t}[batchCapacity * {size}];");
                w.Line($"{Delta(stage)} = new {t}[batchCapacity * {size}];");
                w.Line($"RZ{MathText.Int(stage)} = new {t}[batchCapacity * {size}];");
                w.Line($"RD{MathText.Int(stage)} = new {t}[batchCapacity * {size}];");
                if (stage < layers)
                {
                    w.Line($"RX{MathText.Int(stage)} = new {t}[batchCapacity * {size}];");
                }

                if (!c.IsDouble && stage > 1)
                {
                    w.Line($"SX{MathText.Int(stage)} = new {t}[2 * batchCapacity * {MathText.Int(SizeOf(model, stage - 1))}];");
                    w.Line($"SD{MathText.Int(stage)} = new {t}[2 * batchCapacity * {size}];");
                }
            }

            if (KeepOf(model, stage) < 1.0)
            {
                w.Line($"{Dropped(stage)} = new {t}[batchCapacity * {size}];");
                w.Line($"{Mask(stage)} = new {t}[batchCapacity * {size}];");
            }
        }

        w.Line($"ZL = new {t}[batchCapacity * OutputSize];");
        if (!Activations.Of(model.Layers[layers - 1]).IsElementwise)
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
        if (!Activations.Of(model.Layers[layers - 1]).IsElementwise)
        {
            w.Line();
            w.Line("/// <summary>ln Σ_k e^(zᴸ_k) per sample, from the softmax pass, so the log-likelihood needs no second round of exponentials.</summary>");
            w.Line($"internal readonly {t}[] LogSumExp;");
        }

        w.Close();
    }

    private static void WriteFields(SourceWriter w, EmitContext c, int stage)
    {
        var model = c.Model;
        string t = c.T;
        string sup = MathText.Sup(stage);
        string n = MathText.Int(stage);
        string what = stage == 0 ? "the inputs" : "dense layer " + n;
        if (stage > 0)
        {
            w.Block($$"""

                /// <summary>a{{sup}}, the activations of {{what}} (before dropout), sample-major.</summary>
                internal readonly {{t}}[] {{A(stage)}};

                /// <summary>δ{{sup}} = ∂C/∂z{{sup}}, sample-major.</summary>
                internal readonly {{t}}[] {{Delta(stage)}};

                /// <summary>R{z{{sup}}}, the directional derivative of z{{sup}} along v (curvature products).</summary>
                internal readonly {{t}}[] RZ{{n}};

                /// <summary>R{δ{{sup}}} (curvature products).</summary>
                internal readonly {{t}}[] RD{{n}};
                """);
            if (stage < model.Layers.Count)
            {
                w.Block($$"""

                    /// <summary>R{x{{sup}}} = σ'(z{{sup}}) ⊙ R{z{{sup}}} ⊙ m{{sup}} (curvature products).</summary>
                    internal readonly {{t}}[] RX{{n}};
                    """);
            }

            if (!c.IsDouble && stage > 1)
            {
                string input = MathText.Sup(stage - 1);
                w.Block($$"""

                    /// <summary>x{{input}} then R{x{{input}}}, one batch after the other: the exact Hessian's R{δ{{sup}}} x{{input}}ᵀ + δ{{sup}} R{x{{input}}}ᵀ is one
                    /// weight-gradient product over twice the batch. Also the scratch for (V)ᵀ δ (curvature products).</summary>
                    internal readonly {{t}}[] SX{{n}};

                    /// <summary>R{δ{{sup}}} then δ{{sup}}, one batch after the other, to go with SX{{n}} (curvature products).</summary>
                    internal readonly {{t}}[] SD{{n}};
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
}
