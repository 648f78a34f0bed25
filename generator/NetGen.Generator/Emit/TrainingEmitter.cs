using NetGen.Generator.Model;
using static NetGen.Generator.Emit.WorkspaceEmitter;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the mini-batch passes of a trainable network: the public entry points, the workspace, a batched forward pass
/// that keeps every layer's activations (and dropout masks while training), the loss with the output error δ^L (BP1,
/// from the loss table), and backpropagation (BP2–BP4) writing the mean gradient; then the curvature product, and for
/// tiny networks the lane path the entry points call instead.
/// </summary>
/// <remarks>
/// The order of every floating-point operation that is not a dot product, and the order in which dropout masks are drawn,
/// matches <c>InterpretedNetwork&lt;T&gt;</c>, so the two engines agree to rounding.
/// </remarks>
internal static class TrainingEmitter
{
    public static void Write(SourceWriter w, EmitContext c)
    {
        bool lanes = c.Plan.Training == TrainingPath.Lanes;
        WritePublicMethods(w, c, lanes);
        WorkspaceEmitter.Write(w, c);
        WriteForwardBatch(w, c);
        WriteOutputLoss(w, c);
        WriteBackpropagate(w, c);
        CurvatureEmitter.Write(w, c);
        if (lanes)
        {
            LaneTrainingEmitter.Write(w, c);
        }
    }

    private static void WritePublicMethods(SourceWriter w, EmitContext c, bool lanes)
    {
        w.Block($"""

            /// <inheritdoc/>
            public {TypeNames.NetworkWorkspace} CreateWorkspace(int batchCapacity) => new Workspace(batchCapacity);
            """);
        // Each entry point is written with and without sample weights rather than one calling the other: for the smallest
        // networks a step is a few dozen nanoseconds, and the call would be a measurable part of it.
        foreach (bool weighted in new[] { false, true })
        {
            WriteLossAndGradientMethod(w, c, lanes, weighted);
        }

        foreach (bool weighted in new[] { false, true })
        {
            WriteLossMethod(w, c, lanes, weighted);
        }
    }

    // ComputeLossAndGradient. The mean over the batch, ∇C = Σ_x w_x ∇C_x / Σ_x w_x (w_x = 1 without weights), is taken where
    // the gradient is made (on δᴸ, or on the lane sums as they are stored) rather than in a pass over every gradient entry
    // afterwards.
    private static void WriteLossAndGradientMethod(SourceWriter w, EmitContext c, bool lanes, bool weighted)
    {
        string t = c.T;
        string weightsParameter = weighted ? $"{TypeNames.ReadOnlySpan}<{t}> sampleWeights, " : string.Empty;
        string weights = weighted ? "sampleWeights" : "default";
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public {t} ComputeLossAndGradient({TypeNames.ReadOnlySpan}<{t}> inputs, {TypeNames.ReadOnlySpan}<{t}> targets, {weightsParameter}{TypeNames.Span}<{t}> gradient, {TypeNames.NetworkWorkspace} workspace, {TypeNames.SeededRandom}? dropoutRandom = null)");
        WriteBatchCheck(w);
        w.Line($"{TypeNames.NetworkGuard}.CheckLength(gradient.Length, ParameterCount, nameof(gradient), \"gradient entries\");");
        w.Line(weighted
            ? $"{t} scale = {TypeNames.NetworkGuard}.MeanScale({TypeNames.NetworkGuard}.SampleWeightSum(sampleWeights, batch));"
            : $"{t} scale = {c.Math.One} / batch;");
        if (lanes)
        {
            // No dropout in this network, so dropoutRandom has nothing to draw; the workspace is checked but not needed.
            w.Line($"{t} total = LanePass(inputs, targets, {weights}, batch, scale, gradient, computeGradient: true);");
        }
        else
        {
            w.Block($"""
                ForwardBatch(inputs, batch, ws, dropoutRandom);
                {t} total = OutputLoss(targets, {weights}, batch, ws, computeDelta: true, deltaScale: scale);
                Backpropagate(inputs, batch, ws, dropoutRandom is not null, gradient);
                """);
        }

        w.Line("return total * scale;");
        w.Close();
    }

    private static void WriteLossMethod(SourceWriter w, EmitContext c, bool lanes, bool weighted)
    {
        string t = c.T;
        string weightsParameter = weighted ? $"{TypeNames.ReadOnlySpan}<{t}> sampleWeights, " : string.Empty;
        string weights = weighted ? "sampleWeights" : "default";
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public {t} ComputeLoss({TypeNames.ReadOnlySpan}<{t}> inputs, {TypeNames.ReadOnlySpan}<{t}> targets, {weightsParameter}{TypeNames.NetworkWorkspace} workspace)");
        WriteBatchCheck(w);
        if (weighted)
        {
            w.Line($"{t} weightSum = {TypeNames.NetworkGuard}.SampleWeightSum(sampleWeights, batch);");
        }

        string total = lanes
            ? $"LanePass(inputs, targets, {weights}, batch, 1f / batch, default, computeGradient: false)"
            : $"OutputLoss(targets, {weights}, batch, ws, computeDelta: false, deltaScale: {c.Math.One})";
        if (!lanes)
        {
            w.Line("ForwardBatch(inputs, batch, ws, dropoutRandom: null);");
        }

        w.Line(weighted ? $"return {TypeNames.NetworkGuard}.WeightedMean({total}, weightSum);" : $"return {total} / batch;");
        w.Close();
    }

    // batch and ws from the spans and workspace. The sizes are constants here, so a good call costs a few compares (the
    // shared check divides by sizes it reads at run time); anything off goes to the shared check, which names what is
    // wrong, in the same order as before.
    private static void WriteBatchCheck(SourceWriter w) => w.Block($$"""
        Workspace? ws = workspace as Workspace;
        int batch = inputs.Length / InputSize;
        if (ws is null || batch == 0 || batch * InputSize != inputs.Length || (long)batch * OutputSize != targets.Length || batch > ws.BatchCapacity)
        {
            batch = {{TypeNames.NetworkGuard}}.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
            ws = workspace as Workspace ?? throw {{TypeNames.NetworkGuard}}.ForeignWorkspace(workspace, typeof(Workspace));
        }
        """);

    private static void WriteDropout(SourceWriter w, EmitContext c, int stage, string source)
    {
        double keep = KeepOf(c.Model, stage);
        string sup = MathText.Sup(stage);
        string what = stage == 0 ? "the inputs" : "a" + sup;
        w.Block($$"""
            // Inverted dropout on {{what}} (keep p = {{MathText.Number(keep)}}): m{{sup}} = 1/p with probability p, else 0; x{{sup}} = a{{sup}} ⊙ m{{sup}}.
            // Drawn sample by sample, unit by unit: the order both engines share.
            for (int i = 0; i < batch * {{MathText.Int(SizeOf(c.Model, stage))}}; i++)
            {
                {{c.T}} m = dropoutRandom.NextDouble() < {{MathText.DoubleLiteral(keep)}} ? {{c.Math.Real(1.0 / keep)}} : {{c.Math.Zero}};
                ws.{{Mask(stage)}}[i] = m;
                ws.{{Dropped(stage)}}[i] = {{source}}[i] * m;
            }
            """);
    }

    private static void WriteForwardBatch(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        string t = c.T;
        w.Line();
        w.Line("// The forward pass over a batch, keeping what backpropagation needs. Dropout only when a random source is given.");
        w.Open($"private void ForwardBatch({TypeNames.ReadOnlySpan}<{t}> inputs, int batch, Workspace ws, {TypeNames.SeededRandom}? dropoutRandom)");
        w.Line($"{TypeNames.ReadOnlySpan}<{t}> w = _parameters.Span;");
        w.Line($"{TypeNames.ReadOnlySpan}<{t}> x0 = inputs;");
        if (model.HasInputDropout)
        {
            w.Open("if (dropoutRandom is not null)");
            WriteDropout(w, c, 0, "inputs");
            w.Line($"x0 = ws.{Dropped(0)};");
            w.Close();
        }

        for (int l = 0; l < model.Layers.Count; l++)
        {
            WriteForwardBatchLayer(w, c, l);
        }

        w.Close();
    }

    // One layer of the batched forward: z (kept where the plan says), a = σ(z), and for hidden layers the next layer's
    // input x, after dropout while training.
    private static void WriteForwardBatchLayer(SourceWriter w, EmitContext c, int l)
    {
        var model = c.Model;
        var layer = model.Layers[l];
        var activation = Activations.Of(layer);
        bool isOutput = l == model.Layers.Count - 1;
        int stage = l + 1;
        string n = MathText.Int(stage);
        string sup = MathText.Sup(stage);
        int inputs = model.InputSizeOf(l);
        string size = MathText.Int(layer.Size);
        string x = "x" + MathText.Int(l);
        string a = $"ws.{A(stage)}";

        // Where z is not kept, hidden layers compute a in place of z: fused into the weighted-input pass in single precision.
        string? kept = Z(c.Plan, l);
        string z = kept is null ? a : "ws." + kept;
        bool fused = !c.IsDouble && kept is null;
        w.Line();
        w.Line($"// Dense layer {n} ({(isOutput ? "output, " : string.Empty)}{MathText.Int(inputs)} → {size}): z{sup} = W{sup} x{MathText.Sup(l)} + b{sup} and a{sup} = {activation.Describe(layer)}(z{sup}), for every sample.");
        if (c.IsDouble)
        {
            w.Open("for (int s = 0; s < batch; s++)");
            w.Open($"for (int j = 0; j < {size}; j++)");
            w.Line($"{z}[s * {size} + j] = {c.Kernels.Dot(inputs)}(w, Dense{n}WeightsOffset + j * {MathText.Int(inputs)}, {x}, s * {MathText.Int(inputs)}) + w[Dense{n}BiasesOffset + j];");
            w.Close();
            w.Close();
        }
        else
        {
            WriteFloatWeightedInputs(w, c, l, x, z, fuseActivation: fused);
        }

        if (!activation.IsElementwise)
        {
            w.Open("for (int s = 0; s < batch; s++)");
            SoftmaxEmitter.WriteOverSpan(w, c.Math, a, $"s * {size}", size, layer.Size, "ws.LogSumExp[s]", source: z);
            w.Close();
        }
        else if (!fused)
        {
            // A hidden layer's vector end is named for its layer: the output layer's pass follows in the same method.
            ElementLoop.Write(w, c.Math, $"batch * {size}", e =>
            {
                w.Line(e.Declare("z", e.Load(z)));
                w.Line(e.Store(a, activation.Forward(e.M, layer, e.Name("z"))));
            }, isOutput ? "vectorEnd" : "vectorEnd" + n);
        }

        if (!isOutput)
        {
            w.Line($"{TypeNames.ReadOnlySpan}<{c.T}> x{n} = {a};");
            if (layer.HasDropout)
            {
                w.Open("if (dropoutRandom is not null)");
                WriteDropout(w, c, stage, a);
                w.Line($"x{n} = ws.{Dropped(stage)};");
                w.Close();
            }
        }
    }

    /// <summary>
    /// z = W x + b for the whole batch into <paramref name="target"/>: four rows by two (or, for rows of at least 64 and a
    /// multiple of 8, three) samples per kernel call, the bias and (fused) the activation applied to the vector of results
    /// before it is stored. The curvature product reuses it for its directional forward pass: R{z} = V x + v_b (the
    /// direction's entries as the weights) and then + W R{x}, added into what is there (no bias). Batched inference
    /// (<paramref name="inference"/>) writes into spans; it runs this on CPUs without accelerated 512-bit vectors.
    /// </summary>
    internal static void WriteFloatWeightedInputs(SourceWriter w, EmitContext c, int l, string x, string target, bool fuseActivation, string weights = "w", bool addBias = true, bool accumulate = false, bool inference = false)
    {
        var layer = c.Model.Layers[l];
        int inputs = c.Model.InputSizeOf(l);
        string n = MathText.Int(l + 1);
        int rows4 = layer.Size / 4 * 4;
        string size = MathText.Int(layer.Size);
        string inputsText = MathText.Int(inputs);
        var activation = Activations.Of(layer);
        bool activate = fuseActivation && !activation.IsIdentity;
        string assign = accumulate ? "+=" : "=";
        string scalarBias(string row) => addBias ? $" + {weights}[Dense{n}BiasesOffset + {row}]" : string.Empty;
        if (rows4 > 0)
        {
            w.Open($"for (int j = 0; j < {MathText.Int(rows4)}; j += 4)");
            if (addBias)
            {
                w.Line($"{TypeNames.Vector256Float} bias = {TypeNames.Vector256}.Create({TypeNames.Vector128}.LoadUnsafe(ref {TypeNames.MemoryMarshal}.GetReference({weights}), (nuint)(Dense{n}BiasesOffset + j)));");
            }

            w.Line("int s = 0;");
            string rows = $"{weights}, Dense{n}WeightsOffset + j * {inputsText}, {x}, s * {inputsText}, (s + 1) * {inputsText}";
            string bias = addBias ? " + bias" : string.Empty;
            if (inputs % 8 == 0 && inputs >= 64)
            {
                // Three samples per pass where the layer is wide enough for weight traffic to matter, pairs for the rest.
                w.Open("for (; s + 2 < batch; s += 3)");
                string samples3 = c.FloatKernels.DotRows4Samples3(inputs);
                w.Line($"{TypeNames.Vector256Float} z = {samples3}({rows}, (s + 2) * {inputsText}, out {TypeNames.Vector128Float} third){bias};");
                w.Line($"{TypeNames.Vector128Float} z3 = third{(addBias ? $" + {TypeNames.Vector256}.GetLower(bias)" : string.Empty)};");
                if (activate)
                {
                    w.Line($"z = {activation.Forward(MathText.Vector256, layer, "z")};");
                    w.Line($"z3 = {activation.Forward(MathText.Vector128, layer, "z3")};");
                }

                WriteFourRowStores(w, target, size, accumulate, samples: 3, inference);
                w.Close();
            }

            w.Open("for (; s + 1 < batch; s += 2)");
            string samples2 = c.FloatKernels.DotRows4Samples2(inputs);
            w.Line($"{TypeNames.Vector256Float} z = {samples2}({rows}){bias};");
            if (activate)
            {
                w.Line($"z = {activation.Forward(MathText.Vector256, layer, "z")};");
            }

            WriteFourRowStores(w, target, size, accumulate, samples: 2, inference);
            w.Close();
            w.Open("if (s < batch)");
            w.Open("for (int r = 0; r < 4; r++)");
            w.Line($"float z = {c.FloatKernels.Dot(inputs)}({weights}, Dense{n}WeightsOffset + (j + r) * {inputsText}, {x}, s * {inputsText}){scalarBias("j + r")};");
            w.Line($"{target}[s * {size} + j + r] {assign} {(fuseActivation ? activation.Forward(c.Math, layer, "z") : "z")};");
            w.Close();
            w.Close();
            w.Close();
        }

        if (rows4 < layer.Size)
        {
            w.Open("for (int s = 0; s < batch; s++)");
            w.Open($"for (int j = {MathText.Int(rows4)}; j < {size}; j++)");
            w.Line($"float z = {c.FloatKernels.Dot(inputs)}({weights}, Dense{n}WeightsOffset + j * {inputsText}, {x}, s * {inputsText}){scalarBias("j")};");
            w.Line($"{target}[s * {size} + j] {assign} {(fuseActivation ? activation.Forward(c.Math, layer, "z") : "z")};");
            w.Close();
            w.Close();
        }
    }

    // Stores (or adds into) the four rows j … j + 3 of samples s, s + 1 (the halves of z) and s + 2 (z3), of an array (a
    // workspace's) or a span (batched inference).
    private static void WriteFourRowStores(SourceWriter w, string target, string size, bool accumulate, int samples, bool targetIsSpan = false)
    {
        const string V128 = TypeNames.Vector128;
        string reference = targetIsSpan ? $"ref {TypeNames.MemoryMarshal}.GetReference({target})" : $"ref {TypeNames.MemoryMarshal}.GetArrayDataReference({target})";
        string Store(string value, string index) => accumulate
            ? $"{V128}.StoreUnsafe({V128}.LoadUnsafe({reference}, (nuint)({index})) + {value}, {reference}, (nuint)({index}));"
            : $"{V128}.StoreUnsafe({value}, {reference}, (nuint)({index}));";
        w.Line(Store($"{TypeNames.Vector256}.GetLower(z)", $"s * {size} + j"));
        w.Line(Store($"{TypeNames.Vector256}.GetUpper(z)", $"(s + 1) * {size} + j"));
        if (samples == 3)
        {
            w.Line(Store("z3", $"(s + 2) * {size} + j"));
        }
    }

    private static void WriteOutputLoss(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        var math = c.Math;
        string t = c.T;
        var loss = Losses.Of(model.Loss!.Value);
        int stage = model.Layers.Count;
        string a = $"ws.{A(stage)}";
        string d = $"ws.{Delta(stage)}";
        var operands = new LossOperands(Z: "zj", A: $"{a}[o + j]", Y: "targets[o + j]", Loss: "sampleLoss", Error: "error", SumY: "sumY", LogSumExp: "logSumExp");
        w.Line();
        w.Line("// Σ_x w_x C_x over the batch (w_x = 1 without sample weights); with computeDelta, also the output error");
        w.Line("// δᴸ = ∇_a C ⊙ σ'(zᴸ) (BP1), times w_x and deltaScale.");
        w.Open($"private {t} OutputLoss({TypeNames.ReadOnlySpan}<{t}> targets, {TypeNames.ReadOnlySpan}<{t}> sampleWeights, int batch, Workspace ws, bool computeDelta, {t} deltaScale)");
        w.Line($"{t} total = {math.Zero};");
        w.Open("for (int s = 0; s < batch; s++)");
        w.Line("int o = s * OutputSize;");
        w.Line($"{t} weight = sampleWeights.IsEmpty ? {math.One} : sampleWeights[s];");
        w.Line($"{t} sampleScale = deltaScale * weight;");
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

        WriteLossTermsAndDelta(w, c, loss, operands);
        if (loss.SumFactor is { } factor)
        {
            w.Line($"sampleLoss *= {math.Real(factor)};");
        }

        if (!loss.IsFused)
        {
            w.Open("if (computeDelta)");
            WriteOutputDerivative(w, c, $"{a}[o + j]", $"{d}[o + j]");
            w.Close();
        }

        w.Line("total += weight * sampleLoss;");
        w.Close();
        w.Line("return total;");
        w.Close();
    }

    // The per-output terms of C_x and, with computeDelta, δᴸ = (fused δ or ∇_a C) × w_x × deltaScale: in the same pass over
    // the outputs, unless δ needs a sum over every output first.
    private static void WriteLossTermsAndDelta(SourceWriter w, EmitContext c, LossDefinition loss, LossOperands operands)
    {
        var math = c.Math;
        string d = $"ws.{Delta(c.Model.Layers.Count)}";
        string delta = $"{d}[o + j] = {(loss.FusedDelta is { } fused ? $"({fused(math, operands)})" : loss.Gradient!(math, operands))} * sampleScale;";
        w.Open("for (int j = 0; j < OutputSize; j++)");
        if (loss.ReadsZ)
        {
            w.Line($"{c.T} zj = ws.ZL[o + j];");
        }

        foreach (string line in loss.Term(math, operands))
        {
            w.Line(line);
        }

        if (!loss.NeedsTargetSum)
        {
            w.Open("if (computeDelta)");
            if (loss.IsFused)
            {
                w.Line($"// {loss.DeltaEquation}.");
            }

            w.Line(delta);
            w.Close();
        }

        w.Close();
        if (loss.NeedsTargetSum)
        {
            w.Open("if (computeDelta)");
            w.Line($"// {loss.DeltaEquation}.");
            w.Open("for (int j = 0; j < OutputSize; j++)");
            w.Line(delta);
            w.Close();
            w.Close();
        }
    }

    // BP1 of a loss that is not fused with its output activation: δᴸ, which holds ∇_a C (times w_x deltaScale), becomes
    // ∇_a C ⊙ σ'(zᴸ), or for a softmax output the product with its Jacobian. Sample s, outputs o + j.
    private static void WriteOutputDerivative(SourceWriter w, EmitContext c, string a, string d)
    {
        string t = c.T;
        var output = c.Model.Layers[c.Model.Layers.Count - 1];
        var activation = Activations.Of(output);
        if (!activation.IsElementwise)
        {
            w.Block($$"""
                // BP1 through softmax's Jacobian: δ_j = a_j (g_j − Σ_k a_k g_k) with g = ∇_a C.
                {{t}} projection = {{c.Math.Zero}};
                for (int j = 0; j < OutputSize; j++)
                {
                    projection += {{a}} * {{d}};
                }
                for (int j = 0; j < OutputSize; j++)
                {
                    {{d}} = {{a}} * ({{d}} - projection);
                }
                """);
            return;
        }

        w.Line($"// BP1: δᴸ = ∇_a C ⊙ σ'(zᴸ), {activation.DerivativeEquation}.");
        w.Open("for (int j = 0; j < OutputSize; j++)");
        w.Line(activation.NeedsZ ? $"{t} zj = ws.ZL[o + j];" : $"{t} aj = {a};");
        w.Line($"{d} = {activation.TimesDerivative(c.Math, output, activation.NeedsZ ? "zj" : null, activation.NeedsZ ? null : "aj", d)};");
        w.Close();
    }

    private static void WriteBackpropagate(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Line();
        w.Line(c.IsDouble
            ? "// Backpropagation, output layer first, summing every sample's gradient into the caller's span."
            : "// Backpropagation, output layer first; every gradient entry is stored once, summed over the batch in registers.");
        w.Open($"private void Backpropagate({TypeNames.ReadOnlySpan}<{t}> inputs, int batch, Workspace ws, bool training, {TypeNames.Span}<{t}> gradient)");
        w.Line($"{TypeNames.ReadOnlySpan}<{t}> w = _parameters.Span;");
        if (c.IsDouble)
        {
            // The double-precision loops add each sample's contribution in place.
            w.Line("gradient.Clear();");
        }

        for (int l = c.Model.Layers.Count - 1; l >= 0; l--)
        {
            WriteBackpropagateLayer(w, c, l);
        }

        w.Close();
    }

    private static void WriteBackpropagateLayer(SourceWriter w, EmitContext c, int l)
    {
        var model = c.Model;
        int stage = l + 1;
        string n = MathText.Int(stage);
        string sup = MathText.Sup(stage);
        int inputs = model.InputSizeOf(l);
        string inputsText = MathText.Int(inputs);
        string size = MathText.Int(model.Layers[l].Size);
        string layerInput = l == 0 ? "inputs" : $"ws.{A(l)}";
        w.Line();
        w.Line($"// Dense layer {n}: ∂C/∂b{sup} = δ{sup} (BP3) and ∂C/∂W{sup}_jk = x{MathText.Sup(l)}_k δ{sup}_j (BP4)" + (l > 0 ? $"; then (W{sup})ᵀ δ{sup}, the first half of BP2." : "."));
        w.Open();
        w.Line(KeepOf(model, l) < 1.0
            ? $"{TypeNames.ReadOnlySpan}<{c.T}> x = training ? ws.{Dropped(l)} : {layerInput};"
            : $"{TypeNames.ReadOnlySpan}<{c.T}> x = {layerInput};");
        if (c.IsDouble)
        {
            string multiplyAdd = c.Kernels.MultiplyAdd(inputs);
            w.Block($$"""
                for (int s = 0; s < batch; s++)
                {
                    int ds = s * {{size}};
                    int xs = s * {{inputsText}};
                    for (int j = 0; j < {{size}}; j++)
                    {
                        gradient[Dense{{n}}BiasesOffset + j] += ws.{{Delta(stage)}}[ds + j];
                    }
                    for (int j = 0; j < {{size}}; j++)
                    {
                        {{multiplyAdd}}(x, xs, ws.{{Delta(stage)}}[ds + j], gradient, Dense{{n}}WeightsOffset + j * {{inputsText}});
                    }
                """);
            if (l > 0)
            {
                w.Block($$"""
                        {{TypeNames.Array}}.Clear(ws.{{Delta(l)}}, xs, {{inputsText}});
                        for (int j = 0; j < {{size}}; j++)
                        {
                            {{multiplyAdd}}(w, Dense{{n}}WeightsOffset + j * {{inputsText}}, ws.{{Delta(stage)}}[ds + j], ws.{{Delta(l)}}, xs);
                        }
                    """);
            }

            w.Line("}");
        }
        else
        {
            w.Line($"{TypeNames.SpanMath}.SumRows(ws.{Delta(stage)}, batch, gradient.Slice(Dense{n}BiasesOffset, {size}));");
            w.Line($"{c.FloatKernels.WeightGradient(model.Layers[l].Size, inputs)}(ws.{Delta(stage)}, x, batch, gradient, Dense{n}WeightsOffset);");
            if (l > 0)
            {
                w.Line($"{c.FloatKernels.BackError(model.Layers[l].Size, inputs)}(ws.{Delta(stage)}, w, Dense{n}WeightsOffset, batch, ws.{Delta(l)});");
            }
        }

        if (l > 0)
        {
            WriteHiddenDelta(w, c, l);
        }

        w.Close();
    }

    // BP2's second half for the layer below dense layer l + 1: δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ m^l ⊙ σ'(z^l).
    private static void WriteHiddenDelta(SourceWriter w, EmitContext c, int l)
    {
        var previous = c.Model.Layers[l - 1];
        var activation = Activations.Of(previous);
        string sup = MathText.Sup(l + 1);
        string prevSup = MathText.Sup(l);
        string count = $"batch * {MathText.Int(c.Model.InputSizeOf(l))}";
        string delta = $"ws.{Delta(l)}";
        w.Line();
        w.Line($"// BP2, second half: δ{prevSup} = ((W{sup})ᵀ δ{sup}){(previous.HasDropout ? $" ⊙ m{prevSup}" : string.Empty)} ⊙ σ'(z{prevSup}), {activation.DerivativeEquation}.");
        if (previous.HasDropout)
        {
            w.Open("if (training)");
            w.Open($"for (int i = 0; i < {count}; i++)");
            w.Line($"{delta}[i] *= ws.{Mask(l)}[i];");
            w.Close();
            w.Close();
        }

        if (activation.IsIdentity)
        {
            return;
        }

        // σ' reads z where the layer keeps it, a otherwise.
        string? z = Z(c.Plan, l - 1);
        ElementLoop.Write(w, c.Math, count, e =>
        {
            w.Line(z is null ? e.Declare("a", e.Load($"ws.{A(l)}")) : e.Declare("z", e.Load("ws." + z)));
            w.Line(e.Store(delta, activation.TimesDerivative(e.M, previous, z is null ? null : e.Name("z"), z is null ? e.Name("a") : null, e.Load(delta))));
        });
    }
}
