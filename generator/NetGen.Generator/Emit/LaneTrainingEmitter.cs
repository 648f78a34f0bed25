using System.Collections.Generic;
using System.Linq;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the mini-batch loss and gradient of tiny single-precision networks with one sample per Vector256 lane: eight
/// samples go through the whole network at once in straight-line code, each neuron one vector, each weight a broadcast,
/// each gradient entry a horizontal sum of its eight lanes (eight entries per reduction tree).
/// </summary>
/// <remarks>
/// Networks this small (every layer under eight inputs: the unrolled forward, see <see cref="EmissionPlan"/>) spend the
/// sample-major batched path's time in loop control, workspace traffic and calls rather than arithmetic: XOR's full-batch
/// step ran thousands of instructions that way. Here nothing goes through memory but the group's inputs and targets,
/// transposed once into lanes, and the gradient. The loss and BP1–BP4 are the formulas of the batched path, so the two
/// agree to rounding; the sums over samples are taken lane-wise and then across lanes, an order of its own. Networks
/// with dropout keep the batched path, whose masks are drawn in the interpreted engine's order.
/// </remarks>
internal sealed class LaneTrainingEmitter
{
    private const string Vf = TypeNames.Vector256Float;
    private const string V = TypeNames.Vector256;
    private const string U = TypeNames.Unsafe;

    private readonly SourceWriter _w;
    private readonly EmitContext _c;

    // Per stage (0: the inputs), the names of its activation vectors; per dense layer, the names of its z vectors.
    private readonly List<List<string>> _activations = [];
    private readonly List<List<string>> _zs = [];

    private LaneTrainingEmitter(SourceWriter w, EmitContext c)
    {
        _w = w;
        _c = c;
    }

    public static void Write(SourceWriter w, EmitContext c) => new LaneTrainingEmitter(w, c).Write();

    private void Write()
    {
        var w = _w;
        w.Block($"""

            // The loss summed over the batch, Σ_x w_x C_x (w_x = 1 without sample weights), and with computeGradient the gradient
            // Σ_x w_x ∇C_x times scale written into gradient: eight samples at a time, one per vector lane.
            """);
        w.Open($"private float LanePass({TypeNames.ReadOnlySpan}<float> inputs, {TypeNames.ReadOnlySpan}<float> targets, {TypeNames.ReadOnlySpan}<float> sampleWeights, int batch, float scale, {TypeNames.Span}<float> gradient, bool computeGradient)");
        w.Block($"""
            ref float wr = ref _parameters.Reference;
            ref float gr = ref {TypeNames.MemoryMarshal}.GetReference(gradient);
            ref float ir = ref {TypeNames.MemoryMarshal}.GetReference(inputs);
            ref float tr = ref {TypeNames.MemoryMarshal}.GetReference(targets);
            ref float sr = ref {TypeNames.MemoryMarshal}.GetReference(sampleWeights);
            bool weighted = !sampleWeights.IsEmpty;
            {Vf} laneIndex = {V}.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
            int last = batch - 1;
            // Each group's gradient sums are scaled by scale = 1/Σ_x w_x, their share of the mean, as they are stored:
            // ∇C = Σ_groups (1/Σ_x w_x) Σ_x w_x ∇C_x.
            // Gradient entries are reduced and stored in the gradient's 8-entry blocks [8b, 8b + 8), each block once its entries
            // are all known, so that the update's 256-bit loads each find one store to forward from.
            {Vf} gradientScale = {V}.Create(scale);
            float total = 0f;
            """);
        w.Open("for (int first = 0; first < batch; first += 8)");
        w.Block("""
            // Sample-major to feature-major: lane l of vector k is feature k of sample first + l. Lanes past the batch repeat its
            // last sample (no read beyond the spans) and are masked out below.
            """);
        w.Line(string.Join(" ", Enumerable.Range(0, 8).Select(l => l == 0 ? "int s0 = first;" : $"int s{l} = int.Min(first + {l}, last);")));
        w.Line($"{Vf} valid = {V}.LessThan(laneIndex, {V}.Create((float)(batch - first)));");
        w.Line("// Each lane's sample weight w_x (1 without weights), which its loss and δᴸ carry.");
        w.Line($"{Vf} sampleWeight = weighted ? {V}.Create({string.Join(", ", Enumerable.Range(0, 8).Select(l => $"{U}.Add(ref sr, s{l})"))}) : {Vf}.One;");
        _activations.Add(Gathered("x", "ir", _c.Model.InputSize));
        var ys = Gathered("y", "tr", _c.Model.OutputSize);
        for (int l = 0; l < _c.Model.Layers.Count; l++)
        {
            WriteForwardLayer(l);
        }

        var deltas = WriteLossAndOutputDelta(ys);
        w.Line($"total += {V}.Sum({V}.BitwiseAnd(weighted ? loss * sampleWeight : loss, valid));");
        w.Open("if (!computeGradient)");
        w.Line("continue;");
        w.Close();
        WriteBackward(deltas);
        w.Close();
        w.Line("return total;");
        w.Close();
        w.Block($$"""

            // Stores (the batch's first group) or adds the eight sums at g.
            {{TypeNames.AggressiveInlining}}
            private static void StoreOrAdd8(ref float g, {{Vf}} sums, bool store)
            {
                if (!store)
                {
                    sums += {{V}}.LoadUnsafe(ref g);
                }
                {{V}}.StoreUnsafe(sums, ref g);
            }
            """);
    }

    // Vectors prefix0 … prefix(count − 1): feature k of the group's eight samples from a sample-major span.
    private List<string> Gathered(string prefix, string reference, int count)
    {
        var names = new List<string>();
        for (int k = 0; k < count; k++)
        {
            string name = prefix + MathText.Int(k);
            _w.Line($"{Vf} {name} = {Gather(reference, count, k)};");
            names.Add(name);
        }

        return names;
    }

    // Forward: every layer's z and activations kept as vectors for the backward pass.
    private void WriteForwardLayer(int l)
    {
        var model = _c.Model;
        var layer = model.Layers[l];
        var activation = Activations.Of(layer);
        string n = MathText.Int(l + 1);
        int inputs = model.InputSizeOf(l);
        int weights = model.WeightsOffsetOf(l);
        _w.Line();
        CodeText.LayerComment(_w, model, l, ", eight samples a vector");
        var zs = new List<string>();
        var current = new List<string>();
        for (int j = 0; j < layer.Size; j++)
        {
            string sum = $"{V}.Create({CodeText.Element("wr", model.BiasesOffsetOf(l) + j)})";
            for (int k = 0; k < inputs; k++)
            {
                sum = $"{V}.MultiplyAddEstimate({V}.Create({CodeText.Element("wr", weights + j * inputs + k)}), {_activations[l][k]}, {sum})";
            }

            string z = $"z{n}_{MathText.Int(j)}";
            _w.Line($"{Vf} {z} = {sum};");
            zs.Add(z);
            if (activation.IsElementwise)
            {
                string a = $"a{n}_{MathText.Int(j)}";
                _w.Line($"{Vf} {a} = {activation.Forward(MathText.Vector256, layer, z)};");
                current.Add(a);
            }
        }

        if (!activation.IsElementwise)
        {
            current.AddRange(SoftmaxEmitter.WriteOverLanes(_w, n, zs));
        }

        _zs.Add(zs);
        _activations.Add(current);
    }

    // The loss of each lane and the output error δᴸ (BP1) from the loss table, as in OutputLoss.
    private List<string> WriteLossAndOutputDelta(List<string> ys)
    {
        var w = _w;
        var model = _c.Model;
        int layers = model.Layers.Count;
        var output = model.Layers[layers - 1];
        var activation = Activations.Of(output);
        var loss = Losses.Of(model.Loss!.Value);
        var lanes = MathText.Vector256;
        w.Line();
        w.Line($"// {loss.Equation}; {loss.DeltaEquation}.");
        w.Line($"{Vf} loss = {lanes.Zero};");
        if (loss.NeedsTargetSum)
        {
            w.Line($"{Vf} sumY = {lanes.Zero};");
        }

        var operands = new List<LossOperands>();
        for (int j = 0; j < model.OutputSize; j++)
        {
            operands.Add(new LossOperands(Z: _zs[layers - 1][j], A: _activations[layers][j], Y: ys[j], Loss: "loss", Error: "error" + MathText.Int(j), SumY: "sumY", LogSumExp: "logSumExp" + MathText.Int(layers)));
            foreach (string line in loss.Term(lanes, operands[j]))
            {
                w.Line(line);
            }
        }

        if (loss.SumFactor is { } factor)
        {
            w.Line($"loss *= {lanes.Real(factor)};");
        }

        if (loss.FusedDelta is { } fused)
        {
            return operands.Select(o => fused(lanes, o)).ToList();
        }

        if (activation.IsElementwise)
        {
            return operands.Select(o => activation.TimesDerivative(lanes, output, o.Z, o.A, loss.Gradient!(lanes, o))).ToList();
        }

        w.Line("// BP1 through softmax's Jacobian: δ_j = a_j (g_j − Σ_k a_k g_k) with g = ∇_a C.");
        w.Line($"{Vf} projection = {lanes.Zero};");
        foreach (var o in operands)
        {
            w.Line($"projection += {o.A} * {loss.Gradient!(lanes, o)};");
        }

        return operands.Select(o => $"{o.A} * ({loss.Gradient!(lanes, o)} - projection)").ToList();
    }

    // Backward: δ of the layer, its gradient entries reduced across lanes, then δ of the layer before (BP2).
    private void WriteBackward(List<string> deltas)
    {
        var model = _c.Model;
        var gradient = new GradientBlocks(model.ParameterCount);
        string ln = MathText.Int(model.Layers.Count);
        var current = new List<string>();
        for (int j = 0; j < deltas.Count; j++)
        {
            string d = $"d{ln}_{MathText.Int(j)}";
            // Without weights the multiply is skipped, not done by one: δᴸ heads the step's dependency chain, which bounds
            // tiny networks, and the branch is the same for every group of the pass.
            _w.Line($"{Vf} {d} = weighted ? {V}.BitwiseAnd(({deltas[j]}) * sampleWeight, valid) : {V}.BitwiseAnd({deltas[j]}, valid);");
            current.Add(d);
        }

        for (int l = model.Layers.Count - 1; l >= 0; l--)
        {
            int inputs = model.InputSizeOf(l);
            string sup = MathText.Sup(l + 1);
            _w.Line();
            _w.Line($"// Dense layer {MathText.Int(l + 1)}: ∂C/∂W{sup}_jk = Σ_x a{MathText.Sup(l)}_k δ{sup}_j (BP4), ∂C/∂b{sup}_j = Σ_x δ{sup}_j (BP3).");
            var entries = new List<string>();
            foreach (string delta in current)
            {
                entries.AddRange(_activations[l].Take(inputs).Select(a => $"{delta} * {a}"));
            }

            entries.AddRange(current);
            gradient.Place(model.WeightsOffsetOf(l), entries);
            gradient.WriteReadyBlocks(_w);
            if (l > 0)
            {
                current = WriteHiddenDeltas(l, current);
            }
        }
    }

    // BP2 for the layer below dense layer l + 1: δ^l_k = (Σ_j W^(l+1)_jk δ^(l+1)_j) σ'(z^l_k).
    private List<string> WriteHiddenDeltas(int l, List<string> above)
    {
        var model = _c.Model;
        var below = model.Layers[l - 1];
        var activation = Activations.Of(below);
        int inputs = model.InputSizeOf(l);
        int weights = model.WeightsOffsetOf(l);
        _w.Line($"// BP2: δ{MathText.Sup(l)} = ((W{MathText.Sup(l + 1)})ᵀ δ{MathText.Sup(l + 1)}) ⊙ σ'(z{MathText.Sup(l)}), {activation.DerivativeEquation}.");
        var next = new List<string>();
        for (int k = 0; k < inputs; k++)
        {
            string back = $"{above[0]} * {V}.Create({CodeText.Element("wr", weights + k)})";
            for (int j = 1; j < above.Count; j++)
            {
                back = $"{V}.MultiplyAddEstimate({V}.Create({CodeText.Element("wr", weights + j * inputs + k)}), {above[j]}, {back})";
            }

            string d = $"d{MathText.Int(l)}_{MathText.Int(k)}";
            _w.Line($"{Vf} {d} = {activation.TimesDerivative(MathText.Vector256, below, _zs[l - 1][k], _activations[l][k], $"({back})")};");
            next.Add(d);
        }

        return next;
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
                    w.Line($"StoreOrAdd8(ref {CodeText.Element("gr", start)}, {TypeNames.VectorMath}.HorizontalSums({string.Join(", ", entries)}) * gradientScale, first == 0);");
                    continue;
                }

                if (count == 1)
                {
                    string target = CodeText.Element("gr", start);
                    w.Open();
                    w.Line($"float sum = {V}.Sum({entries[0]}) * scale;");
                    w.Line($"{target} = first == 0 ? sum : {target} + sum;");
                    w.Close();
                    continue;
                }

                w.Open();
                string args = string.Join(", ", entries.Concat(Enumerable.Repeat($"{V}<float>.Zero", 8 - count)));
                w.Line($"{Vf} sums = {TypeNames.VectorMath}.HorizontalSums({args}) * gradientScale;");
                for (int lane = 0; lane < count; lane++)
                {
                    string target = CodeText.Element("gr", start + lane);
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
}
