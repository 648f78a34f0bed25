using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the mini-batch loss and gradient of tiny single-precision networks with one sample per Vector256 lane: eight
/// samples go through the whole network at once in straight-line code, each neuron one vector, each weight a broadcast,
/// each gradient entry a horizontal sum of its eight lanes (eight entries per reduction tree).
/// </summary>
/// <remarks>
/// Networks this small (every layer under eight inputs: the unrolled forward, see <see cref="EmissionPlan"/>) spend the
/// sample-major batched path's time in loop control, workspace traffic and calls rather than arithmetic: XOR's full-batch
/// step ran some 3,300 instructions that way. Here nothing goes through memory but the group's inputs and targets,
/// transposed once into lanes, and the gradient. The loss and BP1–BP4 are the formulas of the batched path, so the two
/// agree to rounding; the sums over samples are taken lane-wise and then across lanes, an order of its own. Networks
/// with dropout keep the batched path, whose masks are drawn in the interpreted engine's order.
/// </remarks>
internal static class LaneTrainingEmitter
{
    private const string Vf = "global::System.Runtime.Intrinsics.Vector256<float>";
    private const string V = "global::System.Runtime.Intrinsics.Vector256";
    private const string VectorMath = "global::NetGen.Numerics.VectorMath";
    private const string U = "global::System.Runtime.CompilerServices.Unsafe";

    public static void Write(SourceWriter w, NetworkModel model)
    {
        int inputs = model.InputSize;
        int outputs = model.OutputSize;
        w.Line();
        w.Line("// The loss summed over the batch and, with computeGradient, the summed gradient written into gradient: eight samples");
        w.Line("// at a time, one per vector lane.");
        w.Open("private float LanePass(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batch, float scale, global::System.Span<float> gradient, bool computeGradient)");
        w.Line("ref float wr = ref _parameters.Reference;");
        w.Line("ref float gr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(gradient);");
        w.Line("ref float ir = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(inputs);");
        w.Line("ref float tr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(targets);");
        w.Line($"{Vf} laneIndex = {V}.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);");
        w.Line("int last = batch - 1;");
        w.Line("// Each group's gradient sums are scaled by scale = 1/T, their share of the mean, as they are stored: ∇C = Σ_groups (1/T) Σ_x ∇C_x.");
        w.Line("// Gradient entries are reduced and stored in the gradient's 8-entry blocks [8b, 8b + 8), each block once its entries");
        w.Line("// are all known, so that the update's 256-bit loads each find one store to forward from.");
        w.Line($"{Vf} gradientScale = {V}.Create(scale);");
        w.Line("float total = 0f;");
        w.Open("for (int first = 0; first < batch; first += 8)");
        w.Line("// Sample-major to feature-major: lane l of vector k is feature k of sample first + l. Lanes past the batch repeat its");
        w.Line("// last sample (no read beyond the spans) and are masked out below.");
        w.Line(string.Join(" ", Enumerable.Range(0, 8).Select(l => l == 0 ? "int s0 = first;" : $"int s{l} = int.Min(first + {l}, last);")));
        w.Line($"{Vf} valid = {V}.LessThan(laneIndex, {V}.Create((float)(batch - first)));");
        var previous = new List<string>();
        for (int k = 0; k < inputs; k++)
        {
            string x = "x" + MathText.Int(k);
            w.Line($"{Vf} {x} = {Gather("ir", inputs, k)};");
            previous.Add(x);
        }

        var ys = new List<string>();
        for (int j = 0; j < outputs; j++)
        {
            string y = "y" + MathText.Int(j);
            w.Line($"{Vf} {y} = {Gather("tr", outputs, j)};");
            ys.Add(y);
        }

        // Forward: every layer's activations kept as vectors for the backward pass.
        var activations = new List<List<string>> { previous };
        var zs = new List<string>();
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            bool isOutput = l == model.Layers.Count - 1;
            string n = MathText.Int(l + 1);
            int layerInputs = model.InputSizeOf(l);
            int weights = model.WeightsOffsetOf(l);
            int biases = model.BiasesOffsetOf(l);
            w.Line();
            ForwardEmitter.WriteLayerComment(w, model, l, ", eight samples a vector");
            var current = new List<string>();
            for (int j = 0; j < layer.Size; j++)
            {
                string sum = $"{V}.Create({Element("wr", biases + j)})";
                for (int k = 0; k < layerInputs; k++)
                {
                    sum = $"{V}.MultiplyAddEstimate({V}.Create({Element("wr", weights + j * layerInputs + k)}), {activations[l][k]}, {sum})";
                }

                string z = $"z{n}_{MathText.Int(j)}";
                w.Line($"{Vf} {z} = {sum};");
                if (isOutput)
                {
                    zs.Add(z);
                }

                if (Activations.Of(layer).IsElementwise)
                {
                    string a = $"a{n}_{MathText.Int(j)}";
                    w.Line($"{Vf} {a} = {Activations.Of(layer).Forward(MathText.Vector256, layer, z)};");
                    current.Add(a);
                }
            }

            if (!Activations.Of(layer).IsElementwise)
            {
                current.AddRange(WriteSoftmax(w, n, zs));
            }

            activations.Add(current);
        }

        // The loss of each lane and the output error δᴸ (BP1), as in OutputLoss.
        int last = model.Layers.Count;
        var output = model.Layers[last - 1];
        var outputActivations = activations[last];
        var deltas = new List<string>();
        string ln = MathText.Int(last);
        w.Line();
        var loss = Losses.Of(model.Loss!.Value);
        var lanes = MathText.Vector256;
        w.Line($"// {loss.Equation}; {loss.DeltaEquation}.");
        w.Line($"{Vf} loss = {lanes.Zero};");
        if (loss.NeedsTargetSum)
        {
            w.Line($"{Vf} sumY = {lanes.Zero};");
        }

        var operands = new List<LossOperands>();
        for (int j = 0; j < outputs; j++)
        {
            operands.Add(new LossOperands(Z: zs[j], A: outputActivations[j], Y: ys[j], Loss: "loss", Error: "error" + MathText.Int(j), SumY: "sumY", LogSumExp: "logSumExp" + ln));
            foreach (string line in loss.Term(lanes, operands[j]))
            {
                w.Line(line);
            }
        }

        if (loss.SumFactor is { } factor)
        {
            w.Line($"loss *= {lanes.Real(factor)};");
        }

        var activation = Activations.Of(output);
        if (loss.FusedDelta is { } fused)
        {
            deltas.AddRange(operands.Select(o => fused(lanes, o)));
        }
        else if (!activation.IsElementwise)
        {
            w.Line("// BP1 through softmax's Jacobian: δ_j = a_j (g_j − Σ_k a_k g_k) with g = ∇_a C.");
            w.Line($"{Vf} projection = {lanes.Zero};");
            foreach (var o in operands)
            {
                w.Line($"projection += {o.A} * {loss.Gradient!(lanes, o)};");
            }

            deltas.AddRange(operands.Select(o => $"{o.A} * ({loss.Gradient!(lanes, o)} - projection)"));
        }
        else
        {
            deltas.AddRange(operands.Select(o => activation.TimesDerivative(lanes, output, o.Z, o.A, loss.Gradient!(lanes, o))));
        }

        w.Line($"total += {V}.Sum({V}.BitwiseAnd(loss, valid));");
        w.Open("if (!computeGradient)");
        w.Line("continue;");
        w.Close();

        // Backward: δ of the layer, its gradient entries reduced across lanes, then δ of the layer before (BP2).
        var gradient = new GradientBlocks(model.ParameterCount);
        var currentDeltas = new List<string>();
        for (int j = 0; j < outputs; j++)
        {
            string d = $"d{ln}_{MathText.Int(j)}";
            w.Line($"{Vf} {d} = {V}.BitwiseAnd({deltas[j]}, valid);");
            currentDeltas.Add(d);
        }

        for (int l = model.Layers.Count - 1; l >= 0; l--)
        {
            var layer = model.Layers[l];
            int layerInputs = model.InputSizeOf(l);
            string n = MathText.Int(l + 1);
            w.Line();
            w.Line($"// Dense layer {n}: ∂C/∂W{MathText.Sup(l + 1)}_jk = Σ_x a{MathText.Sup(l)}_k δ{MathText.Sup(l + 1)}_j (BP4), ∂C/∂b{MathText.Sup(l + 1)}_j = Σ_x δ{MathText.Sup(l + 1)}_j (BP3).");
            var entries = new List<string>();
            for (int j = 0; j < layer.Size; j++)
            {
                for (int k = 0; k < layerInputs; k++)
                {
                    entries.Add($"{currentDeltas[j]} * {activations[l][k]}");
                }
            }

            entries.AddRange(currentDeltas);
            gradient.Place(model.WeightsOffsetOf(l), entries);
            gradient.WriteReadyBlocks(w);
            if (l == 0)
            {
                break;
            }

            var below = model.Layers[l - 1];
            string m = MathText.Int(l);
            w.Line($"// BP2: δ{MathText.Sup(l)} = ((W{MathText.Sup(l + 1)})ᵀ δ{MathText.Sup(l + 1)}) ⊙ σ'(z{MathText.Sup(l)}), {Activations.Of(below).DerivativeEquation}.");
            var next = new List<string>();
            for (int k = 0; k < layerInputs; k++)
            {
                string back = $"{currentDeltas[0]} * {V}.Create({Element("wr", model.WeightsOffsetOf(l) + k)})";
                for (int j = 1; j < layer.Size; j++)
                {
                    back = $"{V}.MultiplyAddEstimate({V}.Create({Element("wr", model.WeightsOffsetOf(l) + j * layerInputs + k)}), {currentDeltas[j]}, {back})";
                }

                string d = $"d{m}_{MathText.Int(k)}";
                w.Line($"{Vf} {d} = {Activations.Of(below).TimesDerivative(MathText.Vector256, below, null, activations[l][k], $"({back})")};");
                next.Add(d);
            }

            currentDeltas = next;
        }

        w.Close();
        w.Line("return total;");
        w.Close();

        w.Line();
        w.Line("// Stores (the batch's first group) or adds the eight sums at g.");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.Open($"private static void StoreOrAdd8(ref float g, {Vf} sums, bool store)");
        w.Open("if (!store)");
        w.Line($"sums += {V}.LoadUnsafe(ref g);");
        w.Close();
        w.Line($"{V}.StoreUnsafe(sums, ref g);");
        w.Close();
    }

    // The softmax of the output z vectors, lane-wise: shifted by the largest z, e^z over their sum, and ln Σ e^(z − max)
    // + max kept for the cross-entropy.
    private static IEnumerable<string> WriteSoftmax(SourceWriter w, string n, List<string> zs)
    {
        string max = zs[0];
        foreach (string z in zs.Skip(1))
        {
            max = $"{V}.MaxNative({max}, {z})";
        }

        w.Line($"{Vf} max{n} = {max};");
        for (int j = 0; j < zs.Count; j++)
        {
            w.Line($"{Vf} e{n}_{MathText.Int(j)} = {VectorMath}.Exp({zs[j]} - max{n});");
        }

        w.Line($"{Vf} sum{n} = {string.Join(" + ", Enumerable.Range(0, zs.Count).Select(j => $"e{n}_{MathText.Int(j)}"))};");
        w.Line($"{Vf} logSumExp{n} = max{n} + {VectorMath}.Log(sum{n});");
        w.Line($"{Vf} inverse{n} = {V}.Create(1f) / sum{n};");
        var activations = new List<string>();
        for (int j = 0; j < zs.Count; j++)
        {
            string a = $"a{n}_{MathText.Int(j)}";
            w.Line($"{Vf} {a} = e{n}_{MathText.Int(j)} * inverse{n};");
            activations.Add(a);
        }

        return activations;
    }

    // The gradient's lane vectors by parameter index, reduced and stored in the 256-bit blocks [8b, 8b + 8) of the gradient
    // span as soon as a block's entries are all known, whichever layers they belong to. The update that follows
    // (SpanMath.MultiplyAdd) reads the same blocks, so each of its loads takes its data from one store in the store buffer;
    // a layer-by-layer split put block boundaries mid-store, and those loads waited for the stores to reach the cache.
    private sealed class GradientBlocks
    {
        private readonly string?[] _entries;
        private readonly bool[] _written;

        public GradientBlocks(int parameterCount)
        {
            _entries = new string?[parameterCount];
            _written = new bool[(parameterCount + 7) / 8];
        }

        public void Place(int offset, List<string> entries)
        {
            for (int i = 0; i < entries.Count; i++)
            {
                _entries[offset + i] = entries[i];
            }
        }

        // Every block whose entries are all known and not yet stored: one reduction tree and one store for a full block; the
        // last, shorter block lane by lane.
        public void WriteReadyBlocks(SourceWriter w)
        {
            for (int block = 0; block < _written.Length; block++)
            {
                int start = block * 8;
                int count = System.Math.Min(8, _entries.Length - start);
                if (_written[block] || Enumerable.Range(start, count).Any(i => _entries[i] is null))
                {
                    continue;
                }

                _written[block] = true;
                var entries = Enumerable.Range(start, count).Select(i => _entries[i]!).ToList();
                if (count == 8)
                {
                    w.Line($"StoreOrAdd8(ref {Element("gr", start)}, {VectorMath}.HorizontalSums({string.Join(", ", entries)}) * gradientScale, first == 0);");
                    continue;
                }

                if (count == 1)
                {
                    string target = Element("gr", start);
                    w.Open();
                    w.Line($"float sum = {V}.Sum({entries[0]}) * scale;");
                    w.Line($"{target} = first == 0 ? sum : {target} + sum;");
                    w.Close();
                    continue;
                }

                w.Open();
                string args = string.Join(", ", entries.Concat(Enumerable.Repeat($"{V}<float>.Zero", 8 - count)));
                w.Line($"{Vf} sums = {VectorMath}.HorizontalSums({args}) * gradientScale;");
                for (int lane = 0; lane < count; lane++)
                {
                    string target = Element("gr", start + lane);
                    string value = $"{V}.GetElement(sums, {MathText.Int(lane)})";
                    w.Line($"{target} = first == 0 ? {value} : {target} + {value};");
                }

                w.Close();
            }
        }
    }

    // Feature k of the eight samples s0 … s7 of a sample-major span with rows of the given width.
    private static string Gather(string reference, int width, int k) =>
        $"{V}.Create({string.Join(", ", Enumerable.Range(0, 8).Select(l => $"{U}.Add(ref {reference}, s{l} * {MathText.Int(width)} + {MathText.Int(k)})"))})";

    private static string Element(string reference, int offset) =>
        offset == 0 ? reference : $"{U}.Add(ref {reference}, {MathText.Int(offset)})";
}
