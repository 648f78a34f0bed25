using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the mini-batch passes of a trainable network: the workspace, a batched forward pass that keeps every layer's
/// activations (and dropout masks while training), the loss with the output error δ^L (BP1, fused where the notes fuse
/// it), and backpropagation (BP2–BP4) accumulating the mean gradient.
/// </summary>
/// <remarks>
/// The order of every floating-point operation that is not a dot product, and the order in which dropout masks are drawn,
/// matches <c>InterpretedNetwork&lt;T&gt;</c>, so the two engines agree to rounding.
/// </remarks>
internal static class TrainingEmitter
{
    public static void Write(SourceWriter w, EmissionPlan plan, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        var model = plan.Model;
        bool lanes = plan.Training == TrainingPath.Lanes;
        WritePublicMethods(w, math, lanes);
        WriteWorkspace(w, model, math);
        WriteForwardBatch(w, model, math, kernels, floatKernels);
        WriteOutputLoss(w, model, math);
        WriteBackpropagate(w, model, math, kernels, floatKernels);
        CurvatureEmitter.Write(w, model, math, kernels, floatKernels);
        if (lanes)
        {
            LaneTrainingEmitter.Write(w, model);
        }
    }

    // Stage s is the input (s = 0) or dense layer s; these name its workspace arrays.
    private static string A(int stage) => "A" + MathText.Int(stage);

    private static string Dropped(int stage) => "X" + MathText.Int(stage);

    private static string Mask(int stage) => "M" + MathText.Int(stage);

    private static string Delta(int stage) => "D" + MathText.Int(stage);

    public static double KeepOf(NetworkModel model, int stage) =>
        stage == 0 ? model.InputKeepProbability : model.Layers[stage - 1].KeepProbability;

    private static int SizeOf(NetworkModel model, int stage) =>
        stage == 0 ? model.InputSize : model.Layers[stage - 1].Size;

    private static void WritePublicMethods(SourceWriter w, MathText math, bool lanes)
    {
        string t = math.T;
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public global::NetGen.NetworkWorkspace CreateWorkspace(int batchCapacity) => new Workspace(batchCapacity);");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public {t} ComputeLossAndGradient(global::System.ReadOnlySpan<{t}> inputs, global::System.ReadOnlySpan<{t}> targets, global::System.Span<{t}> gradient, global::NetGen.NetworkWorkspace workspace, global::NetGen.SeededRandom? dropoutRandom = null)");
        WriteBatchCheck(w);
        w.Line("global::NetGen.NetworkGuard.CheckLength(gradient.Length, ParameterCount, nameof(gradient), \"gradient entries\");");
        // The mean over the batch, ∇C = (1/T) Σ_x ∇C_x, is taken where the gradient is made (on δᴸ, or on the lane sums as
        // they are stored) rather than in a pass over every gradient entry afterwards.
        w.Line($"{t} scale = {math.One} / batch;");
        if (lanes)
        {
            // No dropout in this network, so dropoutRandom has nothing to draw; the workspace is checked but not needed.
            w.Line($"{t} total = LanePass(inputs, targets, batch, scale, gradient, computeGradient: true);");
        }
        else
        {
            w.Line("ForwardBatch(inputs, batch, ws, dropoutRandom);");
            w.Line($"{t} total = OutputLoss(targets, batch, ws, computeDelta: true, deltaScale: scale);");
            w.Line("Backpropagate(inputs, batch, ws, dropoutRandom is not null, gradient);");
        }

        w.Line("return total * scale;");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public {t} ComputeLoss(global::System.ReadOnlySpan<{t}> inputs, global::System.ReadOnlySpan<{t}> targets, global::NetGen.NetworkWorkspace workspace)");
        WriteBatchCheck(w);
        if (lanes)
        {
            w.Line("return LanePass(inputs, targets, batch, 1f / batch, default, computeGradient: false) / batch;");
        }
        else
        {
            w.Line("ForwardBatch(inputs, batch, ws, dropoutRandom: null);");
            w.Line($"return OutputLoss(targets, batch, ws, computeDelta: false, deltaScale: {math.One}) / batch;");
        }

        w.Close();
    }

    // batch and ws from the spans and workspace. The sizes are constants here, so a good call costs a few compares (the
    // shared check divides by sizes it reads at run time); anything off goes to the shared check, which names what is
    // wrong, in the same order as before.
    private static void WriteBatchCheck(SourceWriter w)
    {
        w.Line("Workspace? ws = workspace as Workspace;");
        w.Line("int batch = inputs.Length / InputSize;");
        w.Open("if (ws is null || batch == 0 || batch * InputSize != inputs.Length || (long)batch * OutputSize != targets.Length || batch > ws.BatchCapacity)");
        w.Line("batch = global::NetGen.NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);");
        w.Line("ws = workspace as Workspace ?? throw global::NetGen.NetworkGuard.ForeignWorkspace(workspace, typeof(Workspace));");
        w.Close();
    }

    private static void WriteWorkspace(SourceWriter w, NetworkModel model, MathText math)
    {
        string t = math.T;
        int layers = model.Layers.Count;
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Scratch memory for mini-batch passes of this network: per layer the activations a (before dropout), the dropped");
        w.Line("/// activations x = a ⊙ m and masks m of layers with dropout, and the errors δ = ∂C/∂z. One per concurrent caller.");
        w.Line("/// </summary>");
        w.Open("public sealed class Workspace : global::NetGen.NetworkWorkspace");
        w.Line("/// <summary>Creates a workspace for batches of up to <paramref name=\"batchCapacity\"/> samples.</summary>");
        w.Line("/// <param name=\"batchCapacity\">The largest batch, at least 1.</param>");
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

                if (!math.IsDouble && stage > 1)
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
            string sup = MathText.Sup(stage);
            string what = stage == 0 ? "the inputs" : "dense layer " + MathText.Int(stage);
            if (stage > 0)
            {
                w.Line();
                w.Line($"/// <summary>a{sup}, the activations of {what} (before dropout), sample-major.</summary>");
                w.Line($"internal readonly {t}[] {A(stage)};");
                w.Line();
                w.Line($"/// <summary>δ{sup} = ∂C/∂z{sup}, sample-major.</summary>");
                w.Line($"internal readonly {t}[] {Delta(stage)};");
                w.Line();
                w.Line($"/// <summary>R{{z{sup}}}, the directional derivative of z{sup} along v (curvature products).</summary>");
                w.Line($"internal readonly {t}[] RZ{MathText.Int(stage)};");
                w.Line();
                w.Line($"/// <summary>R{{δ{sup}}} (curvature products).</summary>");
                w.Line($"internal readonly {t}[] RD{MathText.Int(stage)};");
                if (stage < layers)
                {
                    w.Line();
                    w.Line($"/// <summary>R{{x{sup}}} = σ'(z{sup}) ⊙ R{{z{sup}}} ⊙ m{sup} (curvature products).</summary>");
                    w.Line($"internal readonly {t}[] RX{MathText.Int(stage)};");
                }

                if (!math.IsDouble && stage > 1)
                {
                    string input = MathText.Sup(stage - 1);
                    w.Line();
                    w.Line($"/// <summary>x{input} then R{{x{input}}}, one batch after the other: the exact Hessian's R{{δ{sup}}} x{input}ᵀ + δ{sup} R{{x{input}}}ᵀ is one");
                    w.Line("/// weight-gradient product over twice the batch. Also the scratch for (V)ᵀ δ (curvature products).</summary>");
                    w.Line($"internal readonly {t}[] SX{MathText.Int(stage)};");
                    w.Line();
                    w.Line($"/// <summary>R{{δ{sup}}} then δ{sup}, one batch after the other, to go with SX{MathText.Int(stage)} (curvature products).</summary>");
                    w.Line($"internal readonly {t}[] SD{MathText.Int(stage)};");
                }
            }

            if (KeepOf(model, stage) < 1.0)
            {
                w.Line();
                w.Line($"/// <summary>x{sup} = a{sup} ⊙ m{sup}, {what} after dropout: what the next layer reads while training.</summary>");
                w.Line($"internal readonly {t}[] {Dropped(stage)};");
                w.Line();
                w.Line($"/// <summary>m{sup}, the inverted-dropout mask of {what}: 1/p for kept units, 0 for dropped ones.</summary>");
                w.Line($"internal readonly {t}[] {Mask(stage)};");
            }
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

    private static void WriteDropout(SourceWriter w, NetworkModel model, MathText math, int stage, string source)
    {
        double keep = KeepOf(model, stage);
        string sup = MathText.Sup(stage);
        string what = stage == 0 ? "the inputs" : "a" + sup;
        w.Line($"// Inverted dropout on {what} (keep p = {keep.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}): m{sup} = 1/p with probability p, else 0; x{sup} = a{sup} ⊙ m{sup}.");
        w.Line("// Drawn sample by sample, unit by unit: the order both engines share.");
        w.Open($"for (int i = 0; i < batch * {MathText.Int(SizeOf(model, stage))}; i++)");
        w.Line($"{math.T} m = dropoutRandom.NextDouble() < {MathText.DoubleLiteral(keep)} ? {math.Real(1.0 / keep)} : {math.Zero};");
        w.Line($"ws.{Mask(stage)}[i] = m;");
        w.Line($"ws.{Dropped(stage)}[i] = {source}[i] * m;");
        w.Close();
    }

    private static void WriteForwardBatch(SourceWriter w, NetworkModel model, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        string t = math.T;
        int layers = model.Layers.Count;
        w.Line();
        w.Line("// The forward pass over a batch, keeping what backpropagation needs. Dropout only when a random source is given.");
        w.Open($"private void ForwardBatch(global::System.ReadOnlySpan<{t}> inputs, int batch, Workspace ws, global::NetGen.SeededRandom? dropoutRandom)");
        w.Line($"global::System.ReadOnlySpan<{t}> w = _parameters.Span;");
        w.Line($"global::System.ReadOnlySpan<{t}> x0 = inputs;");
        if (model.HasInputDropout)
        {
            w.Open("if (dropoutRandom is not null)");
            WriteDropout(w, model, math, 0, "inputs");
            w.Line($"x0 = ws.{Dropped(0)};");
            w.Close();
        }

        for (int l = 0; l < layers; l++)
        {
            var layer = model.Layers[l];
            bool isOutput = l == layers - 1;
            int stage = l + 1;
            string n = MathText.Int(stage);
            string sup = MathText.Sup(stage);
            int inputs = model.InputSizeOf(l);
            string size = MathText.Int(layer.Size);
            string x = "x" + MathText.Int(l);
            string z = isOutput ? "ws.ZL" : $"ws.{A(stage)}";
            w.Line();
            w.Line($"// Dense layer {n} ({(isOutput ? "output, " : string.Empty)}{MathText.Int(inputs)} → {size}): z{sup} = W{sup} x{MathText.Sup(l)} + b{sup} and a{sup} = {Activations.Of(layer).Describe(layer)}(z{sup}), for every sample.");
            if (math.IsDouble)
            {
                w.Open("for (int s = 0; s < batch; s++)");
                w.Open($"for (int j = 0; j < {size}; j++)");
                w.Line($"{z}[s * {size} + j] = {kernels.Dot(inputs)}(w, Dense{n}WeightsOffset + j * {MathText.Int(inputs)}, {x}, s * {MathText.Int(inputs)}) + w[Dense{n}BiasesOffset + j];");
                w.Close();
                w.Close();
            }
            else
            {
                WriteFloatWeightedInputs(w, math, floatKernels, layer, n, inputs, x, z, fuseActivation: !isOutput);
            }

            if (!math.IsDouble && !isOutput)
            {
                // The activation was fused into the weighted-input pass above.
            }
            else if (!Activations.Of(layer).IsElementwise)
            {
                w.Open("for (int s = 0; s < batch; s++)");
                ForwardEmitter.WriteSoftmax(w, math, $"ws.{A(stage)}", $"s * {size}", size, layer.Size, "ws.LogSumExp[s]", source: "ws.ZL");
                w.Close();
            }
            else
            {
                string first = "0";
                if (!math.IsDouble)
                {
                    w.Line($"int vectorEnd = batch * {size} & ~7;");
                    w.Open("for (int i = 0; i < vectorEnd; i += 8)");
                    w.Line($"global::System.Runtime.Intrinsics.Vector256<float> zv = Load8({z}, i);");
                    w.Line($"Store8({Activations.Of(layer).Forward(MathText.Vector256, layer, "zv")}, ws.{A(stage)}, i);");
                    w.Close();
                    first = "vectorEnd";
                }

                w.Open($"for (int i = {first}; i < batch * {size}; i++)");
                w.Line($"{t} zi = {z}[i];");
                w.Line($"ws.{A(stage)}[i] = {Activations.Of(layer).Forward(math, layer, "zi")};");
                w.Close();
            }

            if (!isOutput)
            {
                w.Line($"global::System.ReadOnlySpan<{t}> x{n} = ws.{A(stage)};");
                if (layer.HasDropout)
                {
                    w.Open("if (dropoutRandom is not null)");
                    WriteDropout(w, model, math, stage, $"ws.{A(stage)}");
                    w.Line($"x{n} = ws.{Dropped(stage)};");
                    w.Close();
                }
            }
        }

        w.Close();
    }

    // z = W x + b for the whole batch: four rows by two samples per kernel call, bias (and, for hidden layers, the
    // activation) applied to the vector of eight results before it is stored. The curvature product reuses it for its
    // directional forward pass: R{z} = V x + v_b (the direction's entries as the weights) and then + W R{x}, added into
    // what is there (no bias).
    internal static void WriteFloatWeightedInputs(SourceWriter w, MathText math, FloatKernelEmitter kernels, DenseLayerModel layer, string n, int inputs, string x, string target, bool fuseActivation, string weights = "w", bool addBias = true, bool accumulate = false)
    {
        int rows4 = layer.Size / 4 * 4;
        string size = MathText.Int(layer.Size);
        string inputsText = MathText.Int(inputs);
        string v = "global::System.Runtime.Intrinsics.Vector256";
        string v128 = "global::System.Runtime.Intrinsics.Vector128";
        string bias = addBias ? " + bias" : string.Empty;
        string Store(string value, string index)
        {
            string reference = $"ref global::System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference({target})";
            return accumulate
                ? $"{v128}.StoreUnsafe({v128}.LoadUnsafe({reference}, (nuint)({index})) + {value}, {reference}, (nuint)({index}));"
                : $"{v128}.StoreUnsafe({value}, {reference}, (nuint)({index}));";
        }

        string assign = accumulate ? "+=" : "=";
        if (rows4 > 0)
        {
            w.Open($"for (int j = 0; j < {MathText.Int(rows4)}; j += 4)");
            if (addBias)
            {
                w.Line($"{v}<float> bias = {v}.Create({v128}.LoadUnsafe(ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference({weights}), (nuint)(Dense{n}BiasesOffset + j)));");
            }

            w.Line("int s = 0;");
            if (inputs % 8 == 0 && inputs >= 64)
            {
                // Three samples per pass where the layer is wide enough for weight traffic to matter, pairs for the rest.
                w.Open("for (; s + 2 < batch; s += 3)");
                w.Line($"{v}<float> z = {kernels.DotRows4Samples3(inputs)}({weights}, Dense{n}WeightsOffset + j * {inputsText}, {x}, s * {inputsText}, (s + 1) * {inputsText}, (s + 2) * {inputsText}, out {v128}<float> third){bias};");
                w.Line($"{v128}<float> z3 = third{(addBias ? $" + {v}.GetLower(bias)" : string.Empty)};");
                if (fuseActivation && !Activations.Of(layer).IsIdentity)
                {
                    w.Line($"z = {Activations.Of(layer).Forward(MathText.Vector256, layer, "z")};");
                    w.Line($"z3 = {Activations.Of(layer).Forward(MathText.Vector128, layer, "z3")};");
                }

                w.Line(Store($"{v}.GetLower(z)", $"s * {size} + j"));
                w.Line(Store($"{v}.GetUpper(z)", $"(s + 1) * {size} + j"));
                w.Line(Store("z3", $"(s + 2) * {size} + j"));
                w.Close();
            }

            w.Open("for (; s + 1 < batch; s += 2)");
            w.Line($"{v}<float> z = {kernels.DotRows4Samples2(inputs)}({weights}, Dense{n}WeightsOffset + j * {inputsText}, {x}, s * {inputsText}, (s + 1) * {inputsText}){bias};");
            if (fuseActivation && !Activations.Of(layer).IsIdentity)
            {
                w.Line($"z = {Activations.Of(layer).Forward(MathText.Vector256, layer, "z")};");
            }

            w.Line(Store($"{v}.GetLower(z)", $"s * {size} + j"));
            w.Line(Store($"{v}.GetUpper(z)", $"(s + 1) * {size} + j"));
            w.Close();
            w.Open("if (s < batch)");
            w.Open("for (int r = 0; r < 4; r++)");
            w.Line($"float z = {kernels.Dot(inputs)}({weights}, Dense{n}WeightsOffset + (j + r) * {inputsText}, {x}, s * {inputsText}){(addBias ? $" + {weights}[Dense{n}BiasesOffset + j + r]" : string.Empty)};");
            w.Line($"{target}[s * {size} + j + r] {assign} {(fuseActivation ? Activations.Of(layer).Forward(math, layer, "z") : "z")};");
            w.Close();
            w.Close();
            w.Close();
        }

        if (rows4 < layer.Size)
        {
            w.Open("for (int s = 0; s < batch; s++)");
            w.Open($"for (int j = {MathText.Int(rows4)}; j < {size}; j++)");
            w.Line($"float z = {kernels.Dot(inputs)}({weights}, Dense{n}WeightsOffset + j * {inputsText}, {x}, s * {inputsText}){(addBias ? $" + {weights}[Dense{n}BiasesOffset + j]" : string.Empty)};");
            w.Line($"{target}[s * {size} + j] {assign} {(fuseActivation ? Activations.Of(layer).Forward(math, layer, "z") : "z")};");
            w.Close();
            w.Close();
        }
    }

    private static void WriteOutputLoss(SourceWriter w, NetworkModel model, MathText math)
    {
        string t = math.T;
        var output = model.Layers[model.Layers.Count - 1];
        var loss = Losses.Of(model.Loss!.Value);
        int stage = model.Layers.Count;
        string a = $"ws.{A(stage)}";
        string d = $"ws.{Delta(stage)}";
        var operands = new LossOperands(Z: "zj", A: $"{a}[o + j]", Y: "targets[o + j]", Loss: "sampleLoss", Error: "error", SumY: "sumY", LogSumExp: "logSumExp");
        w.Line();
        w.Line("// Σ_x C_x over the batch; with computeDelta, also the output error δᴸ = ∇_a C ⊙ σ'(zᴸ) (BP1), times deltaScale.");
        w.Open($"private {t} OutputLoss(global::System.ReadOnlySpan<{t}> targets, int batch, Workspace ws, bool computeDelta, {t} deltaScale)");
        w.Line($"{t} total = {math.Zero};");
        w.Open("for (int s = 0; s < batch; s++)");
        w.Line("int o = s * OutputSize;");
        w.Line($"{t} sampleLoss = {math.Zero};");
        w.Line($"// {loss.Equation}{(loss.EquationNote.Length > 0 ? ": " + loss.EquationNote : string.Empty)}.");
        if (loss.NeedsLogSumExp)
        {
            w.Line($"{t} logSumExp = ws.LogSumExp[s];");
        }

        if (loss.NeedsTargetSum)
        {
            w.Line($"{t} sumY = {math.Zero};");
        }

        w.Open("for (int j = 0; j < OutputSize; j++)");
        if (loss.ReadsZ)
        {
            w.Line($"{t} zj = ws.ZL[o + j];");
        }

        foreach (string line in loss.Term(math, operands))
        {
            w.Line(line);
        }

        // δᴸ_j straight after the term, unless it needs the sum over every output first.
        if (!loss.NeedsTargetSum)
        {
            w.Open("if (computeDelta)");
            WriteDeltaComment();
            WriteDelta();
            w.Close();
        }

        w.Close();
        if (loss.NeedsTargetSum)
        {
            w.Open("if (computeDelta)");
            WriteDeltaComment();
            w.Open("for (int j = 0; j < OutputSize; j++)");
            WriteDelta();
            w.Close();
            w.Close();
        }

        if (loss.SumFactor is { } factor)
        {
            w.Line($"sampleLoss *= {math.Real(factor)};");
        }

        if (!loss.IsFused)
        {
            w.Open("if (computeDelta)");
            WriteOutputDerivative(w, math, output, $"{a}[o + j]", $"{d}[o + j]");
            w.Close();
        }

        w.Line("total += sampleLoss;");
        w.Close();
        w.Line("return total;");
        w.Close();

        void WriteDeltaComment()
        {
            if (loss.IsFused)
            {
                w.Line($"// {loss.DeltaEquation}.");
            }
        }

        void WriteDelta()
        {
            string delta = loss.FusedDelta is { } fused ? $"({fused(math, operands)})" : loss.Gradient!(math, operands);
            w.Line($"{d}[o + j] = {delta} * deltaScale;");
        }
    }

    // BP1 of a loss that is not fused with its output activation: δᴸ, which holds ∇_a C (times deltaScale), becomes
    // ∇_a C ⊙ σ'(zᴸ), or for a softmax output the product with its Jacobian. Sample s, outputs o + j.
    private static void WriteOutputDerivative(SourceWriter w, MathText math, DenseLayerModel output, string a, string d)
    {
        string t = math.T;
        var activation = Activations.Of(output);
        if (!activation.IsElementwise)
        {
            w.Line("// BP1 through softmax's Jacobian: δ_j = a_j (g_j − Σ_k a_k g_k) with g = ∇_a C.");
            w.Line($"{t} projection = {math.Zero};");
            w.Open("for (int j = 0; j < OutputSize; j++)");
            w.Line($"projection += {a} * {d};");
            w.Close();
            w.Open("for (int j = 0; j < OutputSize; j++)");
            w.Line($"{d} = {a} * ({d} - projection);");
            w.Close();
            return;
        }

        w.Line($"// BP1: δᴸ = ∇_a C ⊙ σ'(zᴸ), {activation.DerivativeEquation}.");
        w.Open("for (int j = 0; j < OutputSize; j++)");
        w.Line($"{t} aj = {a};");
        if (activation.NeedsZ)
        {
            w.Line($"{t} zj = ws.ZL[o + j];");
        }

        w.Line($"{d} = {activation.TimesDerivative(math, output, activation.NeedsZ ? "zj" : null, "aj", d)};");
        w.Close();
    }

    private static void WriteBackpropagate(SourceWriter w, NetworkModel model, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        string t = math.T;
        int layers = model.Layers.Count;
        w.Line();
        w.Line(math.IsDouble
            ? "// Backpropagation, output layer first, summing every sample's gradient into the caller's span."
            : "// Backpropagation, output layer first; every gradient entry is stored once, summed over the batch in registers.");
        w.Open($"private void Backpropagate(global::System.ReadOnlySpan<{t}> inputs, int batch, Workspace ws, bool training, global::System.Span<{t}> gradient)");
        w.Line($"global::System.ReadOnlySpan<{t}> w = _parameters.Span;");
        if (math.IsDouble)
        {
            // The double-precision loops add each sample's contribution in place.
            w.Line("gradient.Clear();");
        }

        for (int l = layers - 1; l >= 0; l--)
        {
            int stage = l + 1;
            string n = MathText.Int(stage);
            string sup = MathText.Sup(stage);
            string prevSup = MathText.Sup(l);
            int inputs = model.InputSizeOf(l);
            string inputsText = MathText.Int(inputs);
            string size = MathText.Int(model.Layers[l].Size);
            string layerInput = l == 0 ? "inputs" : $"ws.{A(l)}";
            w.Line();
            w.Line($"// Dense layer {n}: ∂C/∂b{sup} = δ{sup} (BP3) and ∂C/∂W{sup}_jk = x{prevSup}_k δ{sup}_j (BP4)" + (l > 0 ? $"; then (W{sup})ᵀ δ{sup}, the first half of BP2." : "."));
            w.Open();
            if (KeepOf(model, l) < 1.0)
            {
                w.Line($"global::System.ReadOnlySpan<{t}> x = training ? ws.{Dropped(l)} : {layerInput};");
            }
            else
            {
                w.Line($"global::System.ReadOnlySpan<{t}> x = {layerInput};");
            }

            if (math.IsDouble)
            {
                w.Open("for (int s = 0; s < batch; s++)");
                w.Line($"int ds = s * {size};");
                w.Line($"int xs = s * {inputsText};");
                w.Open($"for (int j = 0; j < {size}; j++)");
                w.Line($"gradient[Dense{n}BiasesOffset + j] += ws.{Delta(stage)}[ds + j];");
                w.Close();
                w.Open($"for (int j = 0; j < {size}; j++)");
                w.Line($"{kernels.MultiplyAdd(inputs)}(x, xs, ws.{Delta(stage)}[ds + j], gradient, Dense{n}WeightsOffset + j * {inputsText});");
                w.Close();
                if (l > 0)
                {
                    w.Line($"global::System.Array.Clear(ws.{Delta(l)}, xs, {inputsText});");
                    w.Open($"for (int j = 0; j < {size}; j++)");
                    w.Line($"{kernels.MultiplyAdd(inputs)}(w, Dense{n}WeightsOffset + j * {inputsText}, ws.{Delta(stage)}[ds + j], ws.{Delta(l)}, xs);");
                    w.Close();
                }

                w.Close();
            }
            else
            {
                w.Line($"global::NetGen.Numerics.SpanMath.SumRows(ws.{Delta(stage)}, batch, gradient.Slice(Dense{n}BiasesOffset, {size}));");
                w.Line($"{floatKernels.WeightGradient(model.Layers[l].Size, inputs)}(ws.{Delta(stage)}, x, batch, gradient, Dense{n}WeightsOffset);");
                if (l > 0)
                {
                    w.Line($"{floatKernels.BackError(model.Layers[l].Size, inputs)}(ws.{Delta(stage)}, w, Dense{n}WeightsOffset, batch, ws.{Delta(l)});");
                }
            }
            if (l > 0)
            {
                var previous = model.Layers[l - 1];
                w.Line();
                w.Line($"// BP2, second half: δ{prevSup} = ((W{sup})ᵀ δ{sup}){(previous.HasDropout ? $" ⊙ m{prevSup}" : string.Empty)} ⊙ σ'(z{prevSup}), {Activations.Of(previous).DerivativeEquation}.");
                if (previous.HasDropout)
                {
                    w.Open("if (training)");
                    w.Open($"for (int i = 0; i < batch * {inputsText}; i++)");
                    w.Line($"ws.{Delta(l)}[i] *= ws.{Mask(l)}[i];");
                    w.Close();
                    w.Close();
                }

                string first = "0";
                if (!math.IsDouble && !Activations.Of(previous).IsIdentity)
                {
                    w.Line($"int vectorEnd = batch * {inputsText} & ~7;");
                    w.Open("for (int i = 0; i < vectorEnd; i += 8)");
                    w.Line($"global::System.Runtime.Intrinsics.Vector256<float> av = Load8(ws.{A(l)}, i);");
                    w.Line($"Store8({Activations.Of(previous).TimesDerivative(MathText.Vector256, previous, null, "av", $"Load8(ws.{Delta(l)}, i)")}, ws.{Delta(l)}, i);");
                    w.Close();
                    first = "vectorEnd";
                }

                if (!Activations.Of(previous).IsIdentity)
                {
                    w.Open($"for (int i = {first}; i < batch * {inputsText}; i++)");
                    w.Line($"{t} ai = ws.{A(l)}[i];");
                    w.Line($"ws.{Delta(l)}[i] = {Activations.Of(previous).TimesDerivative(math, previous, null, "ai", $"ws.{Delta(l)}[i]")};");
                    w.Close();
                }
            }

            w.Close();
        }

        w.Close();
    }
}
