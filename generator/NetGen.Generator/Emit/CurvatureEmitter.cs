using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes exact Hessian- and Gauss–Newton-vector products by Pearlmutter's R-operator, R{f} = d/dr f(w + r v) at r = 0:
/// a directional forward pass carrying R{z} and R{x}, the output's R{δ}, and a backward pass carrying δ and R{δ} that
/// accumulates the product. In double precision the loops take the interpreted engine's operation order; in single
/// precision the layer products go through the same register-blocked kernels as training (forward A·Wᵀ, weight
/// gradient δᵀ·A, backward error δ·W), so a product costs a few training passes rather than per-sample loops.
/// </summary>
internal static class CurvatureEmitter
{
    private const string Vf = "global::System.Runtime.Intrinsics.Vector256<float>";

    public static void Write(SourceWriter w, NetworkModel model, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        WritePublicMethod(w, math);
        WriteDirectionalForward(w, model, math, kernels, floatKernels);
        WriteDirectionalOutputDelta(w, model, math);
        WriteDirectionalBackward(w, model, math, kernels, floatKernels);
    }

    private static string LayerInput(NetworkModel model, int layerIndex) =>
        TrainingEmitter.KeepOf(model, layerIndex) < 1.0
            ? $"training ? ws.X{MathText.Int(layerIndex)} : {(layerIndex == 0 ? "inputs" : "ws.A" + MathText.Int(layerIndex))}"
            : (layerIndex == 0 ? "inputs" : "ws.A" + MathText.Int(layerIndex));

    private static void WritePublicMethod(SourceWriter w, MathText math)
    {
        string t = math.T;
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public {t} ComputeCurvatureProduct(global::System.ReadOnlySpan<{t}> inputs, global::System.ReadOnlySpan<{t}> targets, global::System.ReadOnlySpan<{t}> vector, global::System.Span<{t}> product, global::NetGen.NetworkWorkspace workspace, global::NetGen.CurvatureKind kind = global::NetGen.CurvatureKind.Hessian, global::NetGen.SeededRandom? dropoutRandom = null)");
        w.Line("int batch = global::NetGen.NetworkGuard.CheckBatch(Spec, inputs.Length, targets.Length, workspace);");
        w.Line("global::NetGen.NetworkGuard.CheckLength(vector.Length, ParameterCount, nameof(vector), \"vector entries\");");
        w.Line("global::NetGen.NetworkGuard.CheckLength(product.Length, ParameterCount, nameof(product), \"product entries\");");
        w.Line("global::NetGen.NetworkGuard.CheckNoOverlap(vector, product);");
        w.Line("global::NetGen.NetworkGuard.CheckCurvatureKind(kind);");
        w.Line("Workspace ws = workspace as Workspace ?? throw global::NetGen.NetworkGuard.ForeignWorkspace(workspace, typeof(Workspace));");
        w.Line("bool training = dropoutRandom is not null;");
        w.Line("bool exact = kind == global::NetGen.CurvatureKind.Hessian;");
        w.Line("ForwardBatch(inputs, batch, ws, dropoutRandom);");
        w.Line($"{t} total = OutputLoss(targets, batch, ws, computeDelta: true, deltaScale: {math.One});");
        w.Line("DirectionalForward(inputs, batch, ws, vector, training);");
        w.Line("DirectionalOutputDelta(targets, batch, ws, exact);");
        w.Line("DirectionalBackward(inputs, batch, ws, vector, training, exact, product);");
        w.Line($"{t} scale = {math.One} / batch;");
        w.Line("global::NetGen.Numerics.SpanMath.Scale(product, scale);");
        w.Line("return total * scale;");
        w.Close();
    }

    private static void WriteDirectionalForward(SourceWriter w, NetworkModel model, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        string t = math.T;
        int layers = model.Layers.Count;
        w.Line();
        w.Line("// The directional forward pass: R{z^l} = V^l x^(l-1) + W^l R{x^(l-1)} + v_b^l, R{x^l} = σ'(z^l) ⊙ R{z^l} ⊙ m^l, R{x⁰} = 0.");
        w.Open($"private void DirectionalForward(global::System.ReadOnlySpan<{t}> inputs, int batch, Workspace ws, global::System.ReadOnlySpan<{t}> vector, bool training)");
        w.Line($"global::System.ReadOnlySpan<{t}> w = _parameters.Span;");
        for (int l = 0; l < layers; l++)
        {
            var layer = model.Layers[l];
            int stage = l + 1;
            string n = MathText.Int(stage);
            string sup = MathText.Sup(stage);
            string inputs = MathText.Int(model.InputSizeOf(l));
            string size = MathText.Int(layer.Size);
            w.Line();
            w.Line($"// Dense layer {n}: R{{z{sup}}}{(l < layers - 1 ? $" and R{{x{sup}}}" : string.Empty)}.");
            w.Open();
            w.Line($"global::System.ReadOnlySpan<{t}> x = {LayerInput(model, l)};");
            if (math.IsDouble)
            {
                w.Open("for (int s = 0; s < batch; s++)");
                w.Open($"for (int j = 0; j < {size}; j++)");
                w.Line($"{t} value = {kernels.Dot(model.InputSizeOf(l))}(vector, Dense{n}WeightsOffset + j * {inputs}, x, s * {inputs});");
                if (l > 0)
                {
                    w.Line($"value += {kernels.Dot(model.InputSizeOf(l))}(w, Dense{n}WeightsOffset + j * {inputs}, ws.RX{MathText.Int(l)}, s * {inputs});");
                }

                w.Line($"ws.RZ{n}[s * {size} + j] = value + vector[Dense{n}BiasesOffset + j];");
                w.Close();
                w.Close();
            }
            else
            {
                // V x + v_b, then W R{x} added in: two batched forward products.
                TrainingEmitter.WriteFloatWeightedInputs(w, math, floatKernels, layer, n, model.InputSizeOf(l), "x", $"ws.RZ{n}", fuseActivation: false, weights: "vector");
                if (l > 0)
                {
                    TrainingEmitter.WriteFloatWeightedInputs(w, math, floatKernels, layer, n, model.InputSizeOf(l), $"ws.RX{MathText.Int(l)}", $"ws.RZ{n}", fuseActivation: false, addBias: false, accumulate: true);
                }
            }

            if (l < layers - 1)
            {
                string first = "0";
                if (!math.IsDouble)
                {
                    w.Line($"int vectorEnd = batch * {size} & ~7;");
                    w.Open("for (int i = 0; i < vectorEnd; i += 8)");
                    w.Line($"{Vf} av = Load8(ws.A{n}, i);");
                    w.Line($"Store8(({Activations.Of(layer).Derivative(MathText.Vector256, layer, null, "av")}) * Load8(ws.RZ{n}, i), ws.RX{n}, i);");
                    w.Close();
                    first = "vectorEnd";
                }

                w.Open($"for (int i = {first}; i < batch * {size}; i++)");
                w.Line($"{t} ai = ws.A{n}[i];");
                w.Line($"ws.RX{n}[i] = ({Activations.Of(layer).Derivative(math, layer, null, "ai")}) * ws.RZ{n}[i];");
                w.Close();
                if (layer.HasDropout)
                {
                    w.Open("if (training)");
                    w.Open($"for (int i = 0; i < batch * {size}; i++)");
                    w.Line($"ws.RX{n}[i] *= ws.M{n}[i];");
                    w.Close();
                    w.Close();
                }
            }

            w.Close();
        }

        w.Close();
    }

    private static void WriteDirectionalOutputDelta(SourceWriter w, NetworkModel model, MathText math)
    {
        string t = math.T;
        var output = model.Layers[model.Layers.Count - 1];
        var activation = Activations.Of(output);
        var loss = Losses.Of(model.Loss!.Value);
        string n = MathText.Int(model.Layers.Count);
        string a = $"ws.A{n}";
        string rz = $"ws.RZ{n}";
        string rd = $"ws.RD{n}";
        bool softmax = !activation.IsElementwise;
        w.Line();
        w.Line("// R{δᴸ}. For cross-entropy with its matched output the exact and Gauss–Newton forms coincide; for the quadratic");
        w.Line("// cost Gauss–Newton drops the (a − y) σ''(zᴸ) term.");
        w.Open($"private void DirectionalOutputDelta(global::System.ReadOnlySpan<{t}> targets, int batch, Workspace ws, bool exact)");
        if (!math.IsDouble && softmax && loss.IsFused && output.Size >= 8)
        {
            WriteFloatSoftmaxFusedDelta(w, n, output.Size, loss);
            w.Close();
            return;
        }

        var operands = new LossOperands(Z: "zj", A: $"{a}[o + j]", Y: "targets[o + j]", Loss: string.Empty, Error: string.Empty, SumY: "sumY", LogSumExp: string.Empty);
        w.Open("for (int s = 0; s < batch; s++)");
        w.Line("int o = s * OutputSize;");
        if (softmax)
        {
            w.Line("// R{a} = J_softmax R{z} = a ⊙ (R{z} − a·R{z}).");
            w.Line($"{t} projection = {math.Zero};");
            w.Open("for (int j = 0; j < OutputSize; j++)");
            w.Line($"projection += {a}[o + j] * {rz}[o + j];");
            w.Close();
            w.Open("for (int j = 0; j < OutputSize; j++)");
            w.Line($"{rd}[o + j] = {a}[o + j] * ({rz}[o + j] - projection);");
            w.Close();
        }

        if (loss.FusedDirectionalDelta is { } fused)
        {
            w.Line($"// {loss.DirectionalDeltaEquation}.");
            if (loss.NeedsTargetSum)
            {
                w.Line($"{t} sumY = {math.Zero};");
                w.Open("for (int j = 0; j < OutputSize; j++)");
                w.Line("sumY += targets[o + j];");
                w.Close();
            }

            w.Open("for (int j = 0; j < OutputSize; j++)");
            string ra = softmax ? $"{rd}[o + j]" : $"({activation.Derivative(math, output, $"ws.ZL[o + j]", $"{a}[o + j]")}) * {rz}[o + j]";
            w.Line($"{rd}[o + j] = {fused(math, operands, ra)};");
            w.Close();
        }
        else if (softmax)
        {
            WriteQuadraticSoftmaxDelta(w, math, loss, operands, a, rd);
        }
        else
        {
            w.Line($"// {loss.DirectionalDeltaEquation}.");
            string? second = activation.SecondDerivative(math, output, activation.NeedsZ ? "zj" : null, "aj");
            var at = operands with { A = "aj" };
            w.Open("for (int j = 0; j < OutputSize; j++)");
            w.Line($"{t} aj = {a}[o + j];");
            if (activation.NeedsZ)
            {
                w.Line($"{t} zj = ws.ZL[o + j];");
            }

            w.Line($"{t} d1 = {activation.Derivative(math, output, activation.NeedsZ ? "zj" : null, "aj")};");
            w.Line($"{t} value = {loss.DirectionalGradient!(math, at, $"d1 * {rz}[o + j]")} * d1;");
            w.Line(second is null
                ? $"{rd}[o + j] = value;"
                : $"{rd}[o + j] = exact ? value + ({loss.GradientExpression!(math, at)}) * ({second}) * {rz}[o + j] : value;");
            w.Close();
            if (second is null)
            {
                w.Line("_ = exact;");
            }
        }

        w.Close();
        w.Close();
    }

    // A loss not fused with its softmax output: δ_j = a_j (g_j − s) with g = ∇_a C and s = a·g, so R{δ_j} = R{a_j}(g_j − s)
    // + a_j (R{g_j} − R{s}) with R{s} = Σ_k R{a_k} g_k + a_k R{g_k}; Gauss–Newton keeps a_j (R{g_j} − a·R{g}). R{a} is in rd.
    private static void WriteQuadraticSoftmaxDelta(SourceWriter w, MathText math, LossDefinition loss, LossOperands operands, string a, string rd)
    {
        string t = math.T;
        string g = loss.GradientExpression!(math, operands);
        string rg = loss.DirectionalGradient!(math, operands, $"{rd}[o + j]");
        w.Line("// δ_j = a_j (g_j − s), g = ∇_a C, s = a·g: R{s} = Σ_k R{a_k} g_k + a_k R{g_k}.");
        w.Line($"{t} s0 = {math.Zero};");
        w.Line($"{t} rs = {math.Zero};");
        w.Line($"{t} ra0 = {math.Zero};");
        w.Open("for (int j = 0; j < OutputSize; j++)");
        w.Line($"{t} g = {g};");
        w.Line($"s0 += {a}[o + j] * g;");
        w.Line($"rs += {rd}[o + j] * g + {a}[o + j] * {rg};");
        w.Line($"ra0 += {a}[o + j] * {rg};");
        w.Close();
        w.Open("for (int j = 0; j < OutputSize; j++)");
        w.Line($"{t} ra = {rd}[o + j];");
        string rgj = loss.DirectionalGradient!(math, operands, "ra");
        w.Line($"{rd}[o + j] = exact ? ra * ({g} - s0) + {a}[o + j] * ({rgj} - rs) : {a}[o + j] * ({rgj} - ra0);");
        w.Close();
    }

    // R{δ} of a loss fused with a softmax output in single precision, eight outputs at a time: R{a} = a ⊙ (R{z} − a·R{z}),
    // the two sums per sample in vector lanes, the rest of the outputs one by one.
    private static void WriteFloatSoftmaxFusedDelta(SourceWriter w, string n, int size, LossDefinition loss)
    {
        const string V = "global::System.Runtime.Intrinsics.Vector256";
        int vectorEnd = size / 8 * 8;
        w.Line("_ = exact;");
        w.Open("for (int s = 0; s < batch; s++)");
        w.Line("int o = s * OutputSize;");
        w.Line($"{Vf} projections = {Vf}.Zero;");
        w.Line($"{Vf} targetSums = {Vf}.Zero;");
        for (int j = 0; j < vectorEnd; j += 8)
        {
            string at = j == 0 ? "o" : $"o + {MathText.Int(j)}";
            w.Line($"projections += Load8(ws.A{n}, {at}) * Load8(ws.RZ{n}, {at});");
            w.Line($"targetSums += Load8(targets, {at});");
        }

        w.Line($"float projection = {V}.Sum(projections);");
        w.Line($"float sumY = {V}.Sum(targetSums);");
        for (int j = vectorEnd; j < size; j++)
        {
            w.Line($"projection += ws.A{n}[o + {MathText.Int(j)}] * ws.RZ{n}[o + {MathText.Int(j)}];");
            w.Line($"sumY += targets[o + {MathText.Int(j)}];");
        }

        w.Line($"// {loss.DirectionalDeltaEquation}.");
        var vector = new LossOperands(string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, SumY: $"{V}.Create(sumY)", string.Empty);
        var scalar = vector with { SumY = "sumY" };
        for (int j = 0; j < vectorEnd; j += 8)
        {
            string at = j == 0 ? "o" : $"o + {MathText.Int(j)}";
            string ra = $"Load8(ws.A{n}, {at}) * (Load8(ws.RZ{n}, {at}) - {V}.Create(projection))";
            w.Line($"Store8({loss.FusedDirectionalDelta!(MathText.Vector256, vector, ra)}, ws.RD{n}, {at});");
        }

        for (int j = vectorEnd; j < size; j++)
        {
            string ra = $"ws.A{n}[o + {MathText.Int(j)}] * (ws.RZ{n}[o + {MathText.Int(j)}] - projection)";
            w.Line($"ws.RD{n}[o + {MathText.Int(j)}] = {loss.FusedDirectionalDelta!(MathText.Float, scalar, ra)};");
        }

        w.Close();
    }

    private static void WriteDirectionalBackward(SourceWriter w, NetworkModel model, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        string t = math.T;
        int layers = model.Layers.Count;
        w.Line();
        w.Line("// The directional backward pass: R{∂C/∂W^l} = R{δ^l} x^(l-1)ᵀ + δ^l R{x^(l-1)}ᵀ, R{∂C/∂b^l} = R{δ^l}, and");
        w.Line("// R{δ^(l-1)} = (((V^l)ᵀ δ^l + (W^l)ᵀ R{δ^l}) ⊙ m) ⊙ σ' + ((W^l)ᵀ δ^l ⊙ m) ⊙ σ'' ⊙ R{z^(l-1)}. Gauss–Newton keeps the first-order terms.");
        w.Open($"private void DirectionalBackward(global::System.ReadOnlySpan<{t}> inputs, int batch, Workspace ws, global::System.ReadOnlySpan<{t}> vector, bool training, bool exact, global::System.Span<{t}> product)");
        w.Line($"global::System.ReadOnlySpan<{t}> w = _parameters.Span;");
        if (math.IsDouble)
        {
            w.Line("product.Clear();");
        }

        for (int l = layers - 1; l >= 0; l--)
        {
            string n = MathText.Int(l + 1);
            string p = MathText.Int(l);
            string inputs = MathText.Int(model.InputSizeOf(l));
            w.Line();
            w.Line($"// Dense layer {n}.");
            w.Open();
            w.Line($"global::System.ReadOnlySpan<{t}> x = {LayerInput(model, l)};");
            if (!math.IsDouble)
            {
                WriteFloatLayerProducts(w, model, l, floatKernels);
            }
            else
            {
                WriteDoubleLayerProducts(w, model, l, kernels);
            }

            if (l > 0)
            {
                var previous = model.Layers[l - 1];
                string? second = Activations.Of(previous).SecondDerivative(math, previous, null, "ai");
                string first = "0";
                if (!math.IsDouble)
                {
                    // Eight entries at a time, the same operations as the scalar remainder below.
                    string? secondVector = Activations.Of(previous).SecondDerivative(MathText.Vector256, previous, null, "av");
                    w.Line($"int vectorEnd = batch * {inputs} & ~7;");
                    w.Open("for (int i = 0; i < vectorEnd; i += 8)");
                    w.Line($"{Vf} gv = Load8(ws.D{p}, i);");
                    w.Line($"{Vf} rgv = Load8(ws.RD{p}, i);");
                    if (previous.HasDropout)
                    {
                        w.Open("if (training)");
                        w.Line($"{Vf} mv = Load8(ws.M{p}, i);");
                        w.Line("gv *= mv;");
                        w.Line("rgv *= mv;");
                        w.Close();
                    }

                    w.Line($"{Vf} av = Load8(ws.A{p}, i);");
                    w.Line($"{Vf} d1v = {Activations.Of(previous).Derivative(MathText.Vector256, previous, null, "av")};");
                    w.Line(secondVector is null
                        ? $"Store8(rgv * d1v, ws.RD{p}, i);"
                        : $"Store8(exact ? rgv * d1v + gv * ({secondVector}) * Load8(ws.RZ{p}, i) : rgv * d1v, ws.RD{p}, i);");
                    w.Line($"Store8(gv * d1v, ws.D{p}, i);");
                    w.Close();
                    first = "vectorEnd";
                }

                w.Open($"for (int i = {first}; i < batch * {inputs}; i++)");
                w.Line($"{t} g = ws.D{p}[i];");
                w.Line($"{t} rg = ws.RD{p}[i];");
                if (previous.HasDropout)
                {
                    w.Open("if (training)");
                    w.Line($"g *= ws.M{p}[i];");
                    w.Line($"rg *= ws.M{p}[i];");
                    w.Close();
                }

                w.Line($"{t} ai = ws.A{p}[i];");
                w.Line($"{t} d1 = {Activations.Of(previous).Derivative(math, previous, null, "ai")};");
                w.Line(second is null
                    ? $"ws.RD{p}[i] = rg * d1;"
                    : $"ws.RD{p}[i] = exact ? rg * d1 + g * ({second}) * ws.RZ{p}[i] : rg * d1;");
                w.Line($"ws.D{p}[i] = g * d1;");
                w.Close();
            }

            w.Close();
        }

        w.Close();
    }

    // One layer's share of the product and the errors sent back, double precision: sample by sample and row by row, in
    // the interpreted engine's order.
    private static void WriteDoubleLayerProducts(SourceWriter w, NetworkModel model, int l, KernelEmitter kernels)
    {
        int stage = l + 1;
        string n = MathText.Int(stage);
        string p = MathText.Int(l);
        int inputCount = model.InputSizeOf(l);
        string inputs = MathText.Int(inputCount);
        string size = MathText.Int(model.Layers[l].Size);
        string multiplyAdd = kernels.MultiplyAdd(inputCount);
        w.Open("for (int s = 0; s < batch; s++)");
        w.Line($"int ds = s * {size};");
        w.Line($"int xs = s * {inputs};");
        w.Open($"for (int j = 0; j < {size}; j++)");
        w.Line($"product[Dense{n}BiasesOffset + j] += ws.RD{n}[ds + j];");
        w.Close();
        w.Open($"for (int j = 0; j < {size}; j++)");
        w.Line($"{multiplyAdd}(x, xs, ws.RD{n}[ds + j], product, Dense{n}WeightsOffset + j * {inputs});");
        if (l > 0)
        {
            w.Open("if (exact)");
            w.Line($"{multiplyAdd}(ws.RX{p}, xs, ws.D{n}[ds + j], product, Dense{n}WeightsOffset + j * {inputs});");
            w.Close();
        }

        w.Close();
        if (l > 0)
        {
            w.Line($"global::System.Array.Clear(ws.D{p}, xs, {inputs});");
            w.Line($"global::System.Array.Clear(ws.RD{p}, xs, {inputs});");
            w.Open($"for (int j = 0; j < {size}; j++)");
            w.Line($"{multiplyAdd}(w, Dense{n}WeightsOffset + j * {inputs}, ws.D{n}[ds + j], ws.D{p}, xs);");
            w.Line($"{multiplyAdd}(w, Dense{n}WeightsOffset + j * {inputs}, ws.RD{n}[ds + j], ws.RD{p}, xs);");
            w.Open("if (exact)");
            w.Line($"{multiplyAdd}(vector, Dense{n}WeightsOffset + j * {inputs}, ws.D{n}[ds + j], ws.RD{p}, xs);");
            w.Close();
            w.Close();
        }

        w.Close();
    }

    // One layer's share of the product and the errors sent back, single precision: R{∂C/∂b} = Σ_s R{δ}; R{∂C/∂W} =
    // R{δ}ᵀ x, plus δᵀ R{x} for the exact Hessian below the first layer, as one weight-gradient product over the two
    // stacked batches; δ and R{δ} sent back as (W)ᵀ δ and (W)ᵀ R{δ} (+ (V)ᵀ δ, exact). Every product entry is written, so
    // the product needs no clearing.
    private static void WriteFloatLayerProducts(SourceWriter w, NetworkModel model, int l, FloatKernelEmitter kernels)
    {
        int stage = l + 1;
        string n = MathText.Int(stage);
        string p = MathText.Int(l);
        int inputs = model.InputSizeOf(l);
        int size = model.Layers[l].Size;
        string inputsText = MathText.Int(inputs);
        string sizeText = MathText.Int(size);
        string weightGradient = kernels.WeightGradient(size, inputs);
        w.Line($"global::NetGen.Numerics.SpanMath.SumRows(ws.RD{n}, batch, product.Slice(Dense{n}BiasesOffset, {sizeText}));");
        if (l == 0)
        {
            // R{x⁰} = 0: the inputs do not move along v.
            w.Line($"{weightGradient}(ws.RD{n}, x, batch, product, Dense{n}WeightsOffset);");
            return;
        }

        w.Open("if (exact)");
        w.Line($"x.Slice(0, batch * {inputsText}).CopyTo(ws.SX{n});");
        w.Line($"global::System.MemoryExtensions.AsSpan(ws.RX{p}, 0, batch * {inputsText}).CopyTo(global::System.MemoryExtensions.AsSpan(ws.SX{n}, batch * {inputsText}));");
        w.Line($"global::System.MemoryExtensions.AsSpan(ws.RD{n}, 0, batch * {sizeText}).CopyTo(ws.SD{n});");
        w.Line($"global::System.MemoryExtensions.AsSpan(ws.D{n}, 0, batch * {sizeText}).CopyTo(global::System.MemoryExtensions.AsSpan(ws.SD{n}, batch * {sizeText}));");
        w.Line($"{weightGradient}(ws.SD{n}, ws.SX{n}, 2 * batch, product, Dense{n}WeightsOffset);");
        w.Close();
        w.Open("else");
        w.Line($"{weightGradient}(ws.RD{n}, x, batch, product, Dense{n}WeightsOffset);");
        w.Close();
        string backError = kernels.BackError(size, inputs);
        w.Line($"{backError}(ws.D{n}, w, Dense{n}WeightsOffset, batch, ws.D{p});");
        w.Line($"{backError}(ws.RD{n}, w, Dense{n}WeightsOffset, batch, ws.RD{p});");
        w.Open("if (exact)");
        w.Line($"{backError}(ws.D{n}, vector, Dense{n}WeightsOffset, batch, ws.SX{n});");
        w.Line($"global::NetGen.Numerics.SpanMath.AddTo(global::System.MemoryExtensions.AsSpan(ws.RD{p}, 0, batch * {inputsText}), global::System.MemoryExtensions.AsSpan(ws.SX{n}, 0, batch * {inputsText}));");
        w.Close();
    }
}
