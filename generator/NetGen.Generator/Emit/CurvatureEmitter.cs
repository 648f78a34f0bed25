using NetGen.Generator.Model;
using static NetGen.Generator.Emit.WorkspaceEmitter;

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
    private const string Vf = TypeNames.Vector256Float;

    public static void Write(SourceWriter w, EmitContext c)
    {
        WritePublicMethod(w, c);
        WriteDirectionalForward(w, c);
        WriteDirectionalOutputDelta(w, c);
        WriteDirectionalBackward(w, c);
    }

    private static string LayerInput(NetworkModel model, int layerIndex) =>
        KeepOf(model, layerIndex) < 1.0
            ? $"training ? ws.{Dropped(layerIndex)} : {(layerIndex == 0 ? "inputs" : "ws." + A(layerIndex))}"
            : (layerIndex == 0 ? "inputs" : "ws." + A(layerIndex));

    private static void WritePublicMethod(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        string span = TypeNames.ReadOnlySpan;
        int outputStage = c.Model.Layers.Count;
        w.Block($$"""

            /// <inheritdoc/>
            public {{t}} ComputeCurvatureProduct({{span}}<{{t}}> inputs, {{span}}<{{t}}> targets, {{span}}<{{t}}> vector, {{TypeNames.Span}}<{{t}}> product, {{TypeNames.NetworkWorkspace}} workspace, {{TypeNames.CurvatureKind}} kind = {{TypeNames.CurvatureKind}}.Hessian, {{TypeNames.SeededRandom}}? dropoutRandom = null) =>
                ComputeCurvatureProduct(inputs, targets, default, vector, product, workspace, kind, dropoutRandom);

            /// <inheritdoc/>
            public {{t}} ComputeCurvatureProduct({{span}}<{{t}}> inputs, {{span}}<{{t}}> targets, {{span}}<{{t}}> sampleWeights, {{span}}<{{t}}> vector, {{TypeNames.Span}}<{{t}}> product, {{TypeNames.NetworkWorkspace}} workspace, {{TypeNames.CurvatureKind}} kind = {{TypeNames.CurvatureKind}}.Hessian, {{TypeNames.SeededRandom}}? dropoutRandom = null)
            {
                int batch = {{TypeNames.NetworkGuard}}.CheckBatch(Spec, inputs.Length, targets.Length, workspace);
                {{TypeNames.NetworkGuard}}.CheckLength(vector.Length, ParameterCount, nameof(vector), "vector entries");
                {{TypeNames.NetworkGuard}}.CheckLength(product.Length, ParameterCount, nameof(product), "product entries");
                {{TypeNames.NetworkGuard}}.CheckNoOverlap(vector, product);
                {{TypeNames.NetworkGuard}}.CheckCurvatureKind(kind);
                {{t}} weightSum = {{TypeNames.NetworkGuard}}.SampleWeightSum(sampleWeights, batch);
                Workspace ws = workspace as Workspace ?? throw {{TypeNames.NetworkGuard}}.ForeignWorkspace(workspace, typeof(Workspace));
                Workspace.CurvatureBuffers curvature = ws.Curvature;
                bool training = dropoutRandom is not null;
                bool exact = kind == {{TypeNames.CurvatureKind}}.Hessian;
                ForwardBatch(inputs, batch, ws, dropoutRandom);
                {{t}} total = OutputLoss(targets, sampleWeights, batch, ws, computeDelta: true, deltaScale: {{c.Math.One}});
                DirectionalForward(inputs, batch, ws, curvature, vector, training);
                DirectionalOutputDelta(targets, batch, ws, curvature, exact);
                if (!sampleWeights.IsEmpty)
                {
                    // Each sample's share of the product is linear in its δ and R{δ} together; δᴸ already carries w_x.
                    {{TypeNames.SpanMath}}.ScaleRows<{{t}}>(curvature.RD{{MathText.Int(outputStage)}}, sampleWeights, OutputSize);
                }
                DirectionalBackward(inputs, batch, ws, curvature, vector, training, exact, product);
                {{t}} scale = {{TypeNames.NetworkGuard}}.MeanScale(weightSum);
                {{TypeNames.SpanMath}}.Scale(product, scale);
                return total * scale;
            }
            """);
    }

    private static void WriteDirectionalForward(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Line();
        w.Line("// The directional forward pass: R{z^l} = V^l x^(l-1) + W^l R{x^(l-1)} + v_b^l, R{x^l} = σ'(z^l) ⊙ R{z^l} ⊙ m^l, R{x⁰} = 0.");
        w.Open($"private void DirectionalForward({TypeNames.ReadOnlySpan}<{t}> inputs, int batch, Workspace ws, Workspace.CurvatureBuffers curvature, {TypeNames.ReadOnlySpan}<{t}> vector, bool training)");
        w.Line($"{TypeNames.ReadOnlySpan}<{t}> w = _parameters.Span;");
        for (int l = 0; l < c.Model.Layers.Count; l++)
        {
            WriteDirectionalForwardLayer(w, c, l);
        }

        w.Close();
    }

    private static void WriteDirectionalForwardLayer(SourceWriter w, EmitContext c, int l)
    {
        var model = c.Model;
        var layer = model.Layers[l];
        bool isOutput = l == model.Layers.Count - 1;
        string n = MathText.Int(l + 1);
        string sup = MathText.Sup(l + 1);
        string inputs = MathText.Int(model.InputSizeOf(l));
        string size = MathText.Int(layer.Size);
        w.Line();
        w.Line($"// Dense layer {n}: R{{z{sup}}}{(isOutput ? string.Empty : $" and R{{x{sup}}}")}.");
        w.Open();
        w.Line($"{TypeNames.ReadOnlySpan}<{c.T}> x = {LayerInput(model, l)};");
        if (c.IsDouble)
        {
            string dot = c.Kernels.Dot(model.InputSizeOf(l));
            w.Open("for (int s = 0; s < batch; s++)");
            w.Open($"for (int j = 0; j < {size}; j++)");
            w.Line($"{c.T} value = {dot}(vector, Dense{n}WeightsOffset + j * {inputs}, x, s * {inputs});");
            if (l > 0)
            {
                w.Line($"value += {dot}(w, Dense{n}WeightsOffset + j * {inputs}, curvature.RX{MathText.Int(l)}, s * {inputs});");
            }

            w.Line($"curvature.RZ{n}[s * {size} + j] = value + vector[Dense{n}BiasesOffset + j];");
            w.Close();
            w.Close();
        }
        else
        {
            // V x + v_b, then W R{x} added in: two batched forward products.
            TrainingEmitter.WriteFloatWeightedInputs(w, c, l, "x", $"curvature.RZ{n}", fuseActivation: false, weights: "vector");
            if (l > 0)
            {
                TrainingEmitter.WriteFloatWeightedInputs(w, c, l, $"curvature.RX{MathText.Int(l)}", $"curvature.RZ{n}", fuseActivation: false, addBias: false, accumulate: true);
            }
        }

        if (!isOutput)
        {
            var activation = Activations.Of(layer);
            string? z = Z(c.Plan, l);
            ElementLoop.Write(w, c.Math, $"batch * {size}", e =>
            {
                // σ' reads z where the layer keeps it, a otherwise.
                w.Line(z is null ? e.Declare("a", e.Load($"ws.{A(l + 1)}")) : e.Declare("z", e.Load("ws." + z)));
                w.Line(e.Store($"curvature.RX{n}", $"({activation.Derivative(e.M, layer, z is null ? null : e.Name("z"), z is null ? e.Name("a") : null)}) * {e.Load($"curvature.RZ{n}")}"));
            });
            if (layer.HasDropout)
            {
                w.Open("if (training)");
                w.Open($"for (int i = 0; i < batch * {size}; i++)");
                w.Line($"curvature.RX{n}[i] *= ws.{Mask(l + 1)}[i];");
                w.Close();
                w.Close();
            }
        }

        w.Close();
    }

    private static void WriteDirectionalOutputDelta(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        var math = c.Math;
        string t = math.T;
        var output = model.Layers[model.Layers.Count - 1];
        var activation = Activations.Of(output);
        var loss = Losses.Of(model.Loss!.Value);
        string n = MathText.Int(model.Layers.Count);
        string a = $"ws.A{n}";
        string rz = $"curvature.RZ{n}";
        string rd = $"curvature.RD{n}";
        bool softmax = !activation.IsElementwise;
        w.Line();
        w.Line("// R{δᴸ}. For cross-entropy with its matched output the exact and Gauss–Newton forms coincide; for the quadratic");
        w.Line("// cost Gauss–Newton drops the (a − y) σ''(zᴸ) term.");
        w.Open($"private void DirectionalOutputDelta({TypeNames.ReadOnlySpan}<{t}> targets, int batch, Workspace ws, Workspace.CurvatureBuffers curvature, bool exact)");
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
            WriteQuadraticElementwiseDelta(w, math, loss, activation, output, operands, a, rz, rd);
        }

        w.Close();
        w.Close();
    }

    // A loss not fused with its elementwise output activation: δ = g ⊙ σ'(z) with g = ∇_a C, so R{δ} = R{g} ⊙ σ' + g ⊙ σ'' R{z}
    // with R{a} = σ' R{z}; Gauss–Newton drops the σ'' term.
    private static void WriteQuadraticElementwiseDelta(SourceWriter w, MathText math, LossDefinition loss, ActivationDefinition activation, DenseLayerModel output, LossOperands operands, string a, string rz, string rd)
    {
        string t = math.T;
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
    // the two sums per sample in vector lanes, the rest of the outputs one by one. The blocks are written out for narrow
    // outputs and loop for wide ones (see EmissionLimits.MaxWrittenOutBlocks), in the same order either way.
    private static void WriteFloatSoftmaxFusedDelta(SourceWriter w, string n, int size, LossDefinition loss)
    {
        const string V = TypeNames.Vector256;
        int vectorEnd = size / 8 * 8;
        w.Line("_ = exact;");
        w.Open("for (int s = 0; s < batch; s++)");
        w.Line("int o = s * OutputSize;");
        w.Line($"{Vf} projections = {Vf}.Zero;");
        w.Line($"{Vf} targetSums = {Vf}.Zero;");
        CodeText.Blocks(w, "o", vectorEnd, EmissionLimits.MaxWrittenOutBlocks, at =>
        {
            w.Line($"projections += Load8(ws.A{n}, {at}) * Load8(curvature.RZ{n}, {at});");
            w.Line($"targetSums += Load8(targets, {at});");
        });

        w.Line($"float projection = {V}.Sum(projections);");
        w.Line($"float sumY = {V}.Sum(targetSums);");
        for (int j = vectorEnd; j < size; j++)
        {
            w.Line($"projection += ws.A{n}[o + {MathText.Int(j)}] * curvature.RZ{n}[o + {MathText.Int(j)}];");
            w.Line($"sumY += targets[o + {MathText.Int(j)}];");
        }

        w.Line($"// {loss.DirectionalDeltaEquation}.");
        var vector = new LossOperands(string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, SumY: $"{V}.Create(sumY)", string.Empty);
        var scalar = vector with { SumY = "sumY" };
        CodeText.Blocks(w, "o", vectorEnd, EmissionLimits.MaxWrittenOutBlocks, at =>
        {
            string ra = $"Load8(ws.A{n}, {at}) * (Load8(curvature.RZ{n}, {at}) - {V}.Create(projection))";
            w.Line($"Store8({loss.FusedDirectionalDelta!(MathText.Vector256, vector, ra)}, curvature.RD{n}, {at});");
        });

        for (int j = vectorEnd; j < size; j++)
        {
            string ra = $"ws.A{n}[o + {MathText.Int(j)}] * (curvature.RZ{n}[o + {MathText.Int(j)}] - projection)";
            w.Line($"curvature.RD{n}[o + {MathText.Int(j)}] = {loss.FusedDirectionalDelta!(MathText.Float, scalar, ra)};");
        }

        w.Close();
    }

    private static void WriteDirectionalBackward(SourceWriter w, EmitContext c)
    {
        string t = c.T;
        w.Block("""

            // The directional backward pass: R{∂C/∂W^l} = R{δ^l} x^(l-1)ᵀ + δ^l R{x^(l-1)}ᵀ, R{∂C/∂b^l} = R{δ^l}, and
            // R{δ^(l-1)} = (((V^l)ᵀ δ^l + (W^l)ᵀ R{δ^l}) ⊙ m) ⊙ σ' + ((W^l)ᵀ δ^l ⊙ m) ⊙ σ'' ⊙ R{z^(l-1)}. Gauss–Newton keeps the first-order terms.
            """);
        w.Open($"private void DirectionalBackward({TypeNames.ReadOnlySpan}<{t}> inputs, int batch, Workspace ws, Workspace.CurvatureBuffers curvature, {TypeNames.ReadOnlySpan}<{t}> vector, bool training, bool exact, {TypeNames.Span}<{t}> product)");
        w.Line($"{TypeNames.ReadOnlySpan}<{t}> w = _parameters.Span;");
        if (c.IsDouble)
        {
            w.Line("product.Clear();");
        }

        for (int l = c.Model.Layers.Count - 1; l >= 0; l--)
        {
            w.Line();
            w.Line($"// Dense layer {MathText.Int(l + 1)}.");
            w.Open();
            w.Line($"{TypeNames.ReadOnlySpan}<{t}> x = {LayerInput(c.Model, l)};");
            if (c.IsDouble)
            {
                WriteDoubleLayerProducts(w, c, l);
            }
            else
            {
                WriteFloatLayerProducts(w, c, l);
            }

            if (l > 0)
            {
                WriteHiddenDirectionalDelta(w, c, l);
            }

            w.Close();
        }

        w.Close();
    }

    // δ and R{δ} of the layer below dense layer l + 1, from the errors sent back through W (in D and RD): δ = g ⊙ m ⊙ σ',
    // R{δ} = R{g} ⊙ m ⊙ σ' (+ g ⊙ m ⊙ σ'' ⊙ R{z} for the exact Hessian).
    private static void WriteHiddenDirectionalDelta(SourceWriter w, EmitContext c, int l)
    {
        var previous = c.Model.Layers[l - 1];
        var activation = Activations.Of(previous);
        string? z = Z(c.Plan, l - 1);
        string p = MathText.Int(l);
        ElementLoop.Write(w, c.Math, $"batch * {MathText.Int(c.Model.InputSizeOf(l))}", e =>
        {
            w.Line(e.Declare("g", e.Load($"ws.{Delta(l)}")));
            w.Line(e.Declare("rg", e.Load($"curvature.RD{p}")));
            if (previous.HasDropout)
            {
                w.Open("if (training)");
                w.Line(e.Declare("m", e.Load($"ws.{Mask(l)}")));
                w.Line($"{e.Name("g")} *= {e.Name("m")};");
                w.Line($"{e.Name("rg")} *= {e.Name("m")};");
                w.Close();
            }

            // σ' and σ'' read z where the layer keeps it, a otherwise.
            w.Line(z is null ? e.Declare("a", e.Load($"ws.{A(l)}")) : e.Declare("z", e.Load("ws." + z)));
            string? zName = z is null ? null : e.Name("z");
            string? aName = z is null ? e.Name("a") : null;
            w.Line(e.Declare("d1", activation.Derivative(e.M, previous, zName, aName)));
            string firstOrder = $"{e.Name("rg")} * {e.Name("d1")}";
            string? second = activation.SecondDerivative(e.M, previous, zName, aName);
            w.Line(e.Store($"curvature.RD{p}", second is null ? firstOrder : $"exact ? {firstOrder} + {e.Name("g")} * ({second}) * {e.Load($"curvature.RZ{p}")} : {firstOrder}"));
            w.Line(e.Store($"ws.{Delta(l)}", $"{e.Name("g")} * {e.Name("d1")}"));
        });
    }

    // One layer's share of the product and the errors sent back, double precision: sample by sample and row by row, in
    // the interpreted engine's order.
    private static void WriteDoubleLayerProducts(SourceWriter w, EmitContext c, int l)
    {
        var model = c.Model;
        var kernels = c.Kernels;
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
        w.Line($"product[Dense{n}BiasesOffset + j] += curvature.RD{n}[ds + j];");
        w.Close();
        w.Open($"for (int j = 0; j < {size}; j++)");
        w.Line($"{multiplyAdd}(x, xs, curvature.RD{n}[ds + j], product, Dense{n}WeightsOffset + j * {inputs});");
        if (l > 0)
        {
            w.Open("if (exact)");
            w.Line($"{multiplyAdd}(curvature.RX{p}, xs, ws.D{n}[ds + j], product, Dense{n}WeightsOffset + j * {inputs});");
            w.Close();
        }

        w.Close();
        if (l > 0)
        {
            w.Line($"{TypeNames.Array}.Clear(ws.D{p}, xs, {inputs});");
            w.Line($"{TypeNames.Array}.Clear(curvature.RD{p}, xs, {inputs});");
            w.Open($"for (int j = 0; j < {size}; j++)");
            w.Line($"{multiplyAdd}(w, Dense{n}WeightsOffset + j * {inputs}, ws.D{n}[ds + j], ws.D{p}, xs);");
            w.Line($"{multiplyAdd}(w, Dense{n}WeightsOffset + j * {inputs}, curvature.RD{n}[ds + j], curvature.RD{p}, xs);");
            w.Open("if (exact)");
            w.Line($"{multiplyAdd}(vector, Dense{n}WeightsOffset + j * {inputs}, ws.D{n}[ds + j], curvature.RD{p}, xs);");
            w.Close();
            w.Close();
        }

        w.Close();
    }

    // One layer's share of the product and the errors sent back, single precision: R{∂C/∂b} = Σ_s R{δ}; R{∂C/∂W} =
    // R{δ}ᵀ x, plus δᵀ R{x} for the exact Hessian below the first layer, as one weight-gradient product over the two
    // stacked batches; δ and R{δ} sent back as (W)ᵀ δ and (W)ᵀ R{δ} (+ (V)ᵀ δ, exact). Every product entry is written, so
    // the product needs no clearing.
    private static void WriteFloatLayerProducts(SourceWriter w, EmitContext c, int l)
    {
        var model = c.Model;
        var kernels = c.FloatKernels;
        int stage = l + 1;
        string n = MathText.Int(stage);
        string p = MathText.Int(l);
        int inputs = model.InputSizeOf(l);
        int size = model.Layers[l].Size;
        string inputsText = MathText.Int(inputs);
        string sizeText = MathText.Int(size);
        string weightGradient = kernels.WeightGradient(size, inputs);
        w.Line($"{TypeNames.SpanMath}.SumRows(curvature.RD{n}, batch, product.Slice(Dense{n}BiasesOffset, {sizeText}));");
        if (l == 0)
        {
            // R{x⁰} = 0: the inputs do not move along v.
            w.Line($"{weightGradient}(curvature.RD{n}, x, batch, product, Dense{n}WeightsOffset);");
            return;
        }

        w.Open("if (exact)");
        w.Line($"x.Slice(0, batch * {inputsText}).CopyTo(curvature.SX{n});");
        w.Line($"{TypeNames.MemoryExtensions}.AsSpan(curvature.RX{p}, 0, batch * {inputsText}).CopyTo({TypeNames.MemoryExtensions}.AsSpan(curvature.SX{n}, batch * {inputsText}));");
        w.Line($"{TypeNames.MemoryExtensions}.AsSpan(curvature.RD{n}, 0, batch * {sizeText}).CopyTo(curvature.SD{n});");
        w.Line($"{TypeNames.MemoryExtensions}.AsSpan(ws.D{n}, 0, batch * {sizeText}).CopyTo({TypeNames.MemoryExtensions}.AsSpan(curvature.SD{n}, batch * {sizeText}));");
        w.Line($"{weightGradient}(curvature.SD{n}, curvature.SX{n}, 2 * batch, product, Dense{n}WeightsOffset);");
        w.Close();
        w.Open("else");
        w.Line($"{weightGradient}(curvature.RD{n}, x, batch, product, Dense{n}WeightsOffset);");
        w.Close();
        string backError = kernels.BackError(size, inputs);
        w.Line($"{backError}(ws.D{n}, w, Dense{n}WeightsOffset, batch, ws.D{p});");
        w.Line($"{backError}(curvature.RD{n}, w, Dense{n}WeightsOffset, batch, curvature.RD{p});");
        w.Open("if (exact)");
        w.Line($"{backError}(ws.D{n}, vector, Dense{n}WeightsOffset, batch, curvature.SX{n});");
        w.Line($"{TypeNames.SpanMath}.AddTo({TypeNames.MemoryExtensions}.AsSpan(curvature.RD{p}, 0, batch * {inputsText}), {TypeNames.MemoryExtensions}.AsSpan(curvature.SX{n}, 0, batch * {inputsText}));");
        w.Close();
    }
}
