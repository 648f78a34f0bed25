using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes single-sample inference, <c>Forward</c>. Tiny networks are fully unrolled into straight-line code over locals
/// with constant parameter indices; larger ones loop over neurons with fixed-length vector dot products and keep hidden
/// activations in stack memory, so the method allocates nothing and touches no shared state.
/// </summary>
internal static class ForwardEmitter
{
    public static void Write(SourceWriter w, EmissionPlan plan, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        var model = plan.Model;
        string t = math.T;
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Computes the output a^L for one sample with the whole network (no dropout). Allocates nothing and writes nothing");
        w.Line("/// shared, so any number of threads may call it at once while no one changes the parameters.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\">The sample, <see cref=\"InputSize\"/> features.</param>");
        w.Line("/// <param name=\"output\">Receives the <see cref=\"OutputSize\"/> outputs; must not overlap <paramref name=\"input\"/>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or the two overlap.</exception>");
        if (plan.Forward != ForwardPath.Unrolled)
        {
            // Never inlined into a caller: when the JIT inlines this method (a hot call site under dynamic PGO does), the
            // caller's inlining budget runs out before the kernels below, and calls to them made 64-32-10 1.4× slower.
            // Straight-line tiny networks have nothing to lose and measured faster inlined.
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]");
        }

        w.Open($"public void Forward(global::System.ReadOnlySpan<{t}> input, global::System.Span<{t}> output)");
        // Throwing here rather than calling a checker keeps nothing alive across a call, so the method saves no registers.
        w.Line("if (input.Length != InputSize) throw global::NetGen.NetworkGuard.WrongLength(input.Length, InputSize, nameof(input), \"input features\");");
        w.Line("if (output.Length != OutputSize) throw global::NetGen.NetworkGuard.WrongLength(output.Length, OutputSize, nameof(output), \"outputs\");");
        w.Line("if (global::NetGen.NetworkGuard.Overlap(input, output)) throw global::NetGen.NetworkGuard.OverlapException();");
        if (plan.Forward == ForwardPath.Unrolled)
        {
            WriteUnrolled(w, model, math);
            w.Close();
            return;
        }

        w.Line($"global::System.ReadOnlySpan<{t}> w = _parameters.Span;");
        if (plan.Forward == ForwardPath.RegisterResident)
        {
            WriteRegisterResident(w, plan, math, floatKernels);
        }
        else
        {
            WriteLooped(w, plan, math, kernels, floatKernels);
        }

        w.Close();
    }

    private static void WriteUnrolled(SourceWriter w, NetworkModel model, MathText math)
    {
        const string V = "global::System.Runtime.Intrinsics.Vector128";
        const string Vf = V + "<float>";
        string t = math.T;

        // Straight-line code over constant offsets: references instead of span indexing leave no bounds checks.
        w.Line($"ref {t} wr = ref _parameters.Reference;");
        w.Line($"ref {t} xr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(input);");
        w.Line($"ref {t} yr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(output);");
        var previous = new List<string>();
        string? packed = null;
        if (!UsesVectors(model, 0, math, packed: null))
        {
            for (int k = 0; k < model.InputSize; k++)
            {
                previous.Add("x" + MathText.Int(k));
            }

            w.Line(string.Join(" ", previous.Select((name, k) => $"{t} {name} = {Element("xr", k)};")));
        }

        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            bool isOutput = l == model.Layers.Count - 1;
            bool softmax = !Activations.Of(layer).IsElementwise;
            string n = MathText.Int(l + 1);
            int inputs = model.InputSizeOf(l);
            int weights = model.WeightsOffsetOf(l);
            int biases = model.BiasesOffsetOf(l);
            w.Line();
            WriteLayerComment(w, model, l);
            var zs = new List<string>();
            var activations = new List<string>();
            string? nextPacked = null;
            int j = 0;
            if (UsesVectors(model, l, math, packed))
            {
                // Four neurons per Vector128: the products of their rows with the input in two (two inputs: the pair
                // repeated) or four vectors, then horizontal adds. Shorter dependency chains than scalar sums, which is
                // what bounds networks this small.
                string xv = packed ?? "xv" + n;
                if (packed is null)
                {
                    string source = inputs == 4
                        ? (l == 0 ? $"{V}.LoadUnsafe(ref xr)" : $"{V}.Create({string.Join(", ", previous)})")
                        : l == 0
                            ? $"{V}.AsSingle({V}.Create(global::System.Runtime.CompilerServices.Unsafe.ReadUnaligned<double>(ref global::System.Runtime.CompilerServices.Unsafe.As<float, byte>(ref xr))))"
                            : $"{V}.Create({previous[0]}, {previous[1]}, {previous[0]}, {previous[1]})";
                    w.Line($"{Vf} {xv} = {source};");
                }

                if (previous.Count == 0)
                {
                    previous.AddRange(Enumerable.Range(0, inputs).Select(k => $"{V}.GetElement({xv}, {MathText.Int(k)})"));
                }

                for (; j + 4 <= layer.Size; j += 4)
                {
                    string sums = inputs == 2
                        ? $"global::NetGen.Numerics.VectorMath.PairSums({Load(weights + 2 * j)} * {xv}, {Load(weights + 2 * j + 4)} * {xv})"
                        : $"global::NetGen.Numerics.VectorMath.HorizontalSums({string.Join(", ", Enumerable.Range(0, 4).Select(r => $"{Load(weights + 4 * (j + r))} * {xv}"))})";
                    string zq = $"zq{n}_{MathText.Int(j)}";
                    w.Line($"{Vf} {zq} = {sums} + {Load(biases + j)};");
                    if (softmax)
                    {
                        for (int lane = 0; lane < 4; lane++)
                        {
                            string z = $"z{n}_{MathText.Int(j + lane)}";
                            w.Line($"float {z} = {V}.GetElement({zq}, {MathText.Int(lane)});");
                            zs.Add(z);
                        }

                        continue;
                    }

                    string a = Activations.Of(layer).Forward(MathText.Vector128, layer, zq);
                    if (isOutput)
                    {
                        w.Line($"{V}.StoreUnsafe({a}, ref yr, {MathText.Int(j)});");
                        activations.AddRange(Enumerable.Repeat(string.Empty, 4));
                        continue;
                    }

                    string aq = $"aq{n}_{MathText.Int(j)}";
                    w.Line($"{Vf} {aq} = {a};");
                    if (layer.Size == 4)
                    {
                        // The next layer has four inputs and reads this vector as it is.
                        nextPacked = aq;
                        activations.AddRange(Enumerable.Range(0, 4).Select(lane => $"{V}.GetElement({aq}, {MathText.Int(lane)})"));
                        continue;
                    }

                    for (int lane = 0; lane < 4; lane++)
                    {
                        string name = $"a{n}_{MathText.Int(j + lane)}";
                        w.Line($"float {name} = {V}.GetElement({aq}, {MathText.Int(lane)});");
                        activations.Add(name);
                    }
                }

                if (inputs == 4)
                {
                    for (; j < layer.Size; j++)
                    {
                        string z = $"z{n}_{MathText.Int(j)}";
                        w.Line($"float {z} = global::NetGen.Numerics.VectorMath.HorizontalSum({Load(weights + 4 * j)} * {xv}) + {Element("wr", biases + j)};");
                        zs.Add(z);
                    }
                }
            }

            for (; j < layer.Size; j++)
            {
                string z = $"z{n}_{MathText.Int(j)}";
                zs.Add(z);
                var terms = Enumerable.Range(0, inputs).Select(k => $"{Element("wr", weights + j * inputs + k)} * {previous[k]}");
                w.Line($"{t} {z} = {string.Join(" + ", terms)} + {Element("wr", biases + j)};");
            }

            int vectorized = layer.Size - zs.Count;
            if (softmax)
            {
                // Subtracting the largest z keeps every exponent ≤ 0, so nothing overflows.
                w.Line($"{t} max{n} = {zs[0]};");
                foreach (string z in zs.Skip(1))
                {
                    w.Line($"max{n} = {t}.Max(max{n}, {z});");
                }

                for (int k = 0; k < zs.Count; k++)
                {
                    w.Line($"{t} e{n}_{MathText.Int(k)} = {t}.Exp({zs[k]} - max{n});");
                }

                w.Line($"{t} sum{n} = {string.Join(" + ", Enumerable.Range(0, zs.Count).Select(k => $"e{n}_{MathText.Int(k)}"))};");
                for (int k = 0; k < zs.Count; k++)
                {
                    activations.Add($"e{n}_{MathText.Int(k)} / sum{n}");
                }
            }
            else if (!math.IsDouble && Activations.Of(layer).IsTranscendental && zs.Count >= 4)
            {
                // The polynomial activations run on packed lanes: four or eight neurons for the price of one.
                int k = 0;
                for (int width = 8; width >= 4; width -= 4)
                {
                    string vector = width == 8 ? "global::System.Runtime.Intrinsics.Vector256" : V;
                    for (; k + width <= zs.Count; k += width)
                    {
                        string packedZ = $"v{n}_{MathText.Int(k)}";
                        w.Line($"{vector}<float> {packedZ} = {Activations.Of(layer).Forward(MathText.FloatVector(width), layer, $"{vector}.Create({string.Join(", ", zs.Skip(k).Take(width))})")};");
                        for (int lane = 0; lane < width; lane++)
                        {
                            activations.Add($"{vector}.GetElement({packedZ}, {MathText.Int(lane)})");
                        }
                    }
                }

                activations.AddRange(zs.Skip(k).Select(z => Activations.Of(layer).Forward(math, layer, z)));
            }
            else
            {
                activations.AddRange(zs.Select(z => Activations.Of(layer).Forward(math, layer, z)));
            }

            // The vectorised neurons [0, vectorized) were stored (output) or named (hidden) above; softmax reads them all.
            int first = softmax ? 0 : vectorized;
            previous = activations.Take(first).ToList();
            for (int k = first; k < layer.Size; k++)
            {
                string value = activations[k];
                if (isOutput)
                {
                    w.Line($"{Element("yr", k)} = {value};");
                }
                else
                {
                    string a = $"a{n}_{MathText.Int(k)}";
                    w.Line($"{t} {a} = {value};");
                    previous.Add(a);
                }
            }

            packed = nextPacked;
        }
    }

    // Whether a float layer of the unrolled path computes its neurons four at a time from its input in a Vector128: two
    // inputs (the pair repeated twice fills the vector) or four, for at least four neurons or from the packed activations
    // of a four-wide layer before it.
    private static bool UsesVectors(NetworkModel model, int l, MathText math, string? packed)
    {
        int inputs = model.InputSizeOf(l);
        int size = model.Layers[l].Size;
        return !math.IsDouble && ((inputs == 2 && size >= 4) || (inputs == 4 && (size >= 4 || packed is not null)));
    }

    // An element at a constant offset from a reference: the reference itself at 0.
    private static string Element(string reference, int offset) =>
        offset == 0 ? reference : $"global::System.Runtime.CompilerServices.Unsafe.Add(ref {reference}, {MathText.Int(offset)})";

    private static string Load(int offset) => $"global::System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref wr, {MathText.Int(offset)})";

    // "// Dense layer 2 (output, 32 → 10): z² = W² a¹ + b², a² = softmax(z²)." above each layer's code.
    internal static void WriteLayerComment(SourceWriter w, NetworkModel model, int l, string note = "")
    {
        var layer = model.Layers[l];
        bool isOutput = l == model.Layers.Count - 1;
        string sup = MathText.Sup(l + 1);
        w.Line($"// Dense layer {MathText.Int(l + 1)} ({(isOutput ? "output, " : string.Empty)}{MathText.Int(model.InputSizeOf(l))} → {MathText.Int(layer.Size)}): z{sup} = W{sup} a{MathText.Sup(l)} + b{sup}, a{sup} = {Activations.Of(layer).Describe(layer)}(z{sup}){note}.");
    }

    private static void WriteRegisterResident(SourceWriter w, EmissionPlan plan, MathText math, FloatKernelEmitter kernels)
    {
        var model = plan.Model;
        const string Vf = "global::System.Runtime.Intrinsics.Vector256<float>";
        const string V = "global::System.Runtime.Intrinsics.Vector256";
        w.Line("ref float wr = ref _parameters.Reference;");
        int inputVectors = model.InputSize / 8;
        var previous = new List<string>();
        if (plan.InputInRegisters)
        {
            w.Line("ref float xr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(input);");
            for (int b = 0; b < inputVectors; b++)
            {
                string x = "x" + MathText.Int(b);
                w.Line($"{Vf} {x} = {V}.LoadUnsafe(ref xr, {MathText.Int(8 * b)});");
                previous.Add(x);
            }
        }

        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            bool isOutput = l == model.Layers.Count - 1;
            string n = MathText.Int(l + 1);
            int inputs = model.InputSizeOf(l);
            int weights = model.WeightsOffsetOf(l);
            int biases = model.BiasesOffsetOf(l);
            bool softmax = !Activations.Of(layer).IsElementwise;
            bool softmaxInRegisters = isOutput && plan.ForwardSoftmax == SoftmaxPlacement.Registers;
            string vectorArguments = string.Join(", ", previous);
            w.Line();
            WriteLayerComment(w, model, l, isOutput ? string.Empty : ", kept in registers");
            var activations = new List<string>();
            int j = 0;
            for (; j + 8 <= layer.Size; j += 8)
            {
                string rows = previous.Count > 0
                    ? $"{kernels.RegisterRows8(previous.Count)}(ref global::System.Runtime.CompilerServices.Unsafe.Add(ref wr, {MathText.Int(weights + j * inputs)}), {vectorArguments})"
                    : $"{kernels.DotRows8(inputs)}(w, {MathText.Int(weights + j * inputs)}, input, 0)";
                string z = $"zv{n}_{MathText.Int(j / 8)}";
                w.Line($"{Vf} {z} = {rows} + {V}.LoadUnsafe(ref wr, {MathText.Int(biases + j)});");
                if (isOutput && !softmaxInRegisters)
                {
                    w.Line($"{V}.StoreUnsafe({(softmax ? z : Activations.Of(layer).Forward(MathText.Vector256, layer, z))}, ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(output), {MathText.Int(j)});");
                }
            }

            // A hidden layer's activations after all its sums: the activation chains of its blocks then overlap, and the
            // JIT keeps the activation's constants in registers for a shorter stretch (8-16-1: 32 → 27 ns).
            for (int block = 0; !isOutput && block < layer.Size / 8; block++)
            {
                string a = $"a{n}_{MathText.Int(block)}";
                w.Line($"{Vf} {a} = {Activations.Of(layer).Forward(MathText.Vector256, layer, $"zv{n}_{MathText.Int(block)}")};");
                activations.Add(a);
            }

            // Only the output layer can have a remainder: hidden layers are a multiple of eight wide. A softmax takes it as
            // one vector (its lanes repeating the rest's rows, its bias likewise); anything else, row by row.
            if (softmaxInRegisters && j < layer.Size)
            {
                int rest = layer.Size - j;
                string bias = RestBias(biases + j, rest);
                w.Line($"{Vf} zr{n} = {kernels.RegisterRowsRest(rest, previous.Count)}(ref global::System.Runtime.CompilerServices.Unsafe.Add(ref wr, {MathText.Int(weights + j * inputs)}), {vectorArguments}) + {bias};");
                j = layer.Size;
            }

            for (; j < layer.Size; j++)
            {
                string dot = previous.Count > 0
                    ? $"{kernels.RegisterRow(previous.Count)}(ref global::System.Runtime.CompilerServices.Unsafe.Add(ref wr, {MathText.Int(weights + j * inputs)}), {vectorArguments})"
                    : $"{kernels.Dot(inputs)}(w, {MathText.Int(weights + j * inputs)}, input, 0)";
                string z = $"z{n}_{MathText.Int(j)}";
                w.Line($"float {z} = {dot} + {Element("wr", biases + j)};");
                if (!softmaxInRegisters)
                {
                    w.Line($"output[{MathText.Int(j)}] = {(softmax ? z : Activations.Of(layer).Forward(math, layer, z))};");
                }
            }

            if (softmaxInRegisters)
            {
                WriteRegisterSoftmax(w, n, layer.Size);
            }
            else if (isOutput && softmax)
            {
                WriteSoftmax(w, math, "output", "0", $"Dense{n}Size", layer.Size);
            }

            previous = activations;
        }
    }

    // The output softmax over z held in registers, zv{n}_b for the blocks of eight and zr{n} for the rest, whose lanes
    // repeat the rest's z (FloatKernelEmitter.RestRow): the maximum, the exponentials, their sum and the division all in
    // Vector256 lanes, with no pass through memory. The softmax is the tail of the forward pass's dependency chain (about
    // a third of 64-32-10's time), so it is cut to the steps it needs: the shift by the largest z is taken only when
    // some z is out of the range where e^z is safe unshifted (the range test runs beside the chain, and its branch is
    // predicted); the exponential is VectorMath.ExpNoOverflow, as every z it sees is at most 64; a rest of one, two or
    // four z repeats evenly across the lanes and is summed within its lanes beside the blocks' sum rather than masked
    // into it; and one or two vectors are divided by the sum directly rather than through its reciprocal (64-32-10:
    // 78 → 75 ns for the range test and the division, 74 → 68 ns for the rest in the stopwatch harness).
    private static void WriteRegisterSoftmax(SourceWriter w, string n, int size)
    {
        const string Vf = "global::System.Runtime.Intrinsics.Vector256<float>";
        const string V = "global::System.Runtime.Intrinsics.Vector256";
        const string VectorMath = "global::NetGen.Numerics.VectorMath";
        int blocks = size / 8;
        int rest = size % 8;
        var z = Enumerable.Range(0, blocks).Select(b => $"zv{n}_{MathText.Int(b)}").ToList();
        if (rest > 0)
        {
            z.Add($"zr{n}");
        }

        w.Line("// Softmax in registers. While every z is at most 64 and some z exceeds −20, e^z cannot overflow (40 × e^64 ≪ float's");
        w.Line("// maximum) and the sum is at least e^−20, so z needs no shift: a lane whose e^z clamps at e^−87.3 is off by under");
        w.Line("// 1e-29. Otherwise every z is shifted by the largest, so every exponent is ≤ 0 and nothing overflows.");
        string maxima = z[0];
        foreach (string next in z.Skip(1))
        {
            // The hardware's max: a NaN z still turns the softmax NaN through e^(z − max).
            maxima = $"{V}.MaxNative({maxima}, {next})";
        }

        string outOfRange = string.Join(" || ", z.Select(v => $"{V}.GreaterThanAny({v}, {V}.Create(64f))"));
        string someAbove = string.Join(" || ", z.Select(v => $"{V}.GreaterThanAny({v}, {V}.Create(-20f))"));
        var e = Enumerable.Range(0, z.Count).Select(b => $"e{n}_{MathText.Int(b)}").ToList();
        w.Line($"{Vf} {string.Join(", ", e)};");
        w.Open($"if ({outOfRange} || !({someAbove}))");
        w.Line($"{Vf} max{n} = {VectorMath}.MaxAcross({maxima});");
        for (int b = 0; b < z.Count; b++)
        {
            w.Line($"{e[b]} = {VectorMath}.ExpNoOverflow({z[b]} - max{n});");
        }

        w.Close();
        w.Open("else");
        for (int b = 0; b < z.Count; b++)
        {
            w.Line($"{e[b]} = {VectorMath}.ExpNoOverflow({z[b]});");
        }

        w.Close();

        // The sum of the exponentials: the blocks' across all lanes, the rest's within its lanes when it repeats evenly
        // (each lane then holds the rest's sum), otherwise masked to its own lanes and added into the blocks.
        var terms = e.Take(blocks).ToList();
        string? restSum = null;
        if (rest > 0)
        {
            string er = e[blocks];
            switch (rest)
            {
                case 1:
                    restSum = er;
                    break;
                case 2:
                    restSum = $"{VectorMath}.SumAdjacentPairs({er})";
                    break;
                case 4:
                    restSum = $"{VectorMath}.SumWithinHalves({er})";
                    break;
                default:
                    string mask = string.Join(", ", Enumerable.Range(0, 8).Select(lane => lane < rest ? "-1" : "0"));
                    terms.Add($"{V}.BitwiseAnd({er}, {V}.AsSingle({V}.Create({mask})))");
                    break;
            }
        }

        var sums = new List<string>();
        if (terms.Count > 0)
        {
            sums.Add($"{VectorMath}.SumAcross({string.Join(" + ", terms)})");
        }

        if (restSum is not null)
        {
            sums.Add(restSum);
        }

        string sum = string.Join(" + ", sums);
        bool divideDirectly = e.Count <= 2;
        if (divideDirectly)
        {
            w.Line($"{Vf} sum{n} = {sum};");
        }
        else
        {
            w.Line($"{Vf} inverse{n} = {V}.Create(1f) / ({sum});");
        }

        string Normalise(string exp) => divideDirectly ? $"{exp} / sum{n}" : $"{exp} * inverse{n}";
        w.Line("ref float yr = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(output);");
        for (int b = 0; b < blocks; b++)
        {
            w.Line($"{V}.StoreUnsafe({Normalise(e[b])}, ref yr, {MathText.Int(8 * b)});");
        }

        if (rest > 0)
        {
            w.Line($"{Vf} pr{n} = {Normalise(e[blocks])};");
            WriteLaneStores(w, $"pr{n}", 8 * blocks, rest);
        }
    }

    // Stores lanes 0 to count − 1 of a Vector256 at yr[start…]: four at once, then a pair as one 64-bit store, then single
    // lanes (the stores follow the division at the end of the chain, so fewer of them shortens the call).
    private static void WriteLaneStores(SourceWriter w, string vector, int start, int count)
    {
        const string V = "global::System.Runtime.Intrinsics.Vector256";
        const string U = "global::System.Runtime.CompilerServices.Unsafe";
        int lane = 0;
        if (count >= 4)
        {
            w.Line($"global::System.Runtime.Intrinsics.Vector128.StoreUnsafe({V}.GetLower({vector}), ref yr, {MathText.Int(start)});");
            lane = 4;
        }

        if (count == 2 || count == 3)
        {
            w.Line($"{U}.WriteUnaligned(ref {U}.As<float, byte>(ref {U}.Add(ref yr, {MathText.Int(start)})), {V}.ToScalar({V}.AsDouble({vector})));");
            lane = 2;
        }

        for (; lane < count; lane++)
        {
            w.Line($"{Element("yr", start + lane)} = {V}.GetElement({vector}, {MathText.Int(lane)});");
        }
    }

    // The rest's biases laid out as RegisterRowsRest lays out its rows. Loads only: they are off the dependency chain.
    private static string RestBias(int offset, int rest)
    {
        const string V = "global::System.Runtime.Intrinsics.Vector256";
        const string U = "global::System.Runtime.CompilerServices.Unsafe";
        return rest switch
        {
            1 => $"{V}.Create({Element("wr", offset)})",
            2 => $"{V}.AsSingle({V}.Create({U}.ReadUnaligned<double>(ref {U}.As<float, byte>(ref {U}.Add(ref wr, {MathText.Int(offset)})))))",
            4 => $"{V}.Create(global::System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref wr, {MathText.Int(offset)}), global::System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref wr, {MathText.Int(offset)}))",
            _ => $"{V}.Create({string.Join(", ", Enumerable.Range(0, 8).Select(lane => Element("wr", offset + FloatKernelEmitter.RestRow(rest, lane))))})",
        };
    }

    private static void WriteLooped(SourceWriter w, EmissionPlan plan, MathText math, KernelEmitter kernels, FloatKernelEmitter floatKernels)
    {
        var model = plan.Model;
        string t = math.T;
        int hidden = plan.HiddenScratch;
        bool onStack = plan.HiddenOnStack;
        if (hidden > 0)
        {
            if (onStack)
            {
                w.Line($"global::System.Span<{t}> even = stackalloc {t}[{MathText.Int(hidden)}];");
                w.Line($"global::System.Span<{t}> odd = stackalloc {t}[{MathText.Int(hidden)}];");
            }
            else
            {
                w.Line("// Too wide for the stack: pooled arrays keep the call allocation-free once the pool is warm.");
                w.Line($"{t}[] evenArray = global::System.Buffers.ArrayPool<{t}>.Shared.Rent({MathText.Int(hidden)});");
                w.Line($"{t}[] oddArray = global::System.Buffers.ArrayPool<{t}>.Shared.Rent({MathText.Int(hidden)});");
                w.Line($"global::System.Span<{t}> even = evenArray;");
                w.Line($"global::System.Span<{t}> odd = oddArray;");
                w.Open("try");
            }
        }

        string x = "input";
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            bool isOutput = l == model.Layers.Count - 1;
            string n = MathText.Int(l + 1);
            int inputs = model.InputSizeOf(l);
            string a = isOutput ? "output" : (l % 2 == 0 ? "even" : "odd");
            w.Line();
            WriteLayerComment(w, model, l);
            if (!math.IsDouble)
            {
                WriteFloatLayer(w, math, floatKernels, layer, n, inputs, x, a);
                x = a;
                continue;
            }

            w.Open($"for (int j = 0; j < Dense{n}Size; j++)");
            w.Line($"{t} z = {kernels.Dot(inputs)}(w, Dense{n}WeightsOffset + j * {MathText.Int(inputs)}, {x}, 0) + w[Dense{n}BiasesOffset + j];");
            w.Line($"{a}[j] = {(!Activations.Of(layer).IsElementwise ? "z" : Activations.Of(layer).Forward(math, layer, "z"))};");
            w.Close();
            if (!Activations.Of(layer).IsElementwise)
            {
                WriteSoftmax(w, math, a, "0", $"Dense{n}Size", layer.Size);
            }

            x = a;
        }

        if (hidden > 0 && !onStack)
        {
            w.Close();
            w.Open("finally");
            w.Line($"global::System.Buffers.ArrayPool<{t}>.Shared.Return(evenArray);");
            w.Line($"global::System.Buffers.ArrayPool<{t}>.Shared.Return(oddArray);");
            w.Close();
        }
    }

    // Eight neurons at a time: eight dot products side by side, bias and activation fused on the vector of results.
    private static void WriteFloatLayer(SourceWriter w, MathText math, FloatKernelEmitter kernels, DenseLayerModel layer, string n, int inputs, string x, string a)
    {
        int blocks = layer.Size / 8 * 8;
        bool softmax = !Activations.Of(layer).IsElementwise;
        string inputsText = MathText.Int(inputs);
        if (blocks > 0)
        {
            w.Open($"for (int j = 0; j < {MathText.Int(blocks)}; j += 8)");
            w.Line($"global::System.Runtime.Intrinsics.Vector256<float> z = {kernels.DotRows8(inputs)}(w, Dense{n}WeightsOffset + j * {inputsText}, {x}, 0) + Load8(w, Dense{n}BiasesOffset + j);");
            w.Line($"Store8({(softmax ? "z" : Activations.Of(layer).Forward(MathText.Vector256, layer, "z"))}, {a}, j);");
            w.Close();
        }

        if (blocks < layer.Size)
        {
            w.Open($"for (int j = {MathText.Int(blocks)}; j < Dense{n}Size; j++)");
            w.Line($"float z = {kernels.Dot(inputs)}(w, Dense{n}WeightsOffset + j * {inputsText}, {x}, 0) + w[Dense{n}BiasesOffset + j];");
            w.Line($"{a}[j] = {(softmax ? "z" : Activations.Of(layer).Forward(math, layer, "z"))};");
            w.Close();
        }

        if (softmax)
        {
            WriteSoftmax(w, math, a, "0", $"Dense{n}Size", layer.Size);
        }
    }

    /// <summary>
    /// Over span[start .. start + count): a_j = e^(z_j − max z) / Σ_k e^(z_k − max z), the z read from
    /// <paramref name="source"/> (same layout) when given, else from the span itself.
    /// </summary>
    public static void WriteSoftmax(SourceWriter w, MathText math, string span, string start, string count, int size, string? logSumExpTarget = null, string? source = null)
    {
        string t = math.T;
        bool unrolled = EmissionPlan.SpanSoftmax(math.IsDouble, size) == SoftmaxPlacement.UnrolledSpan;
        if (source is not null && !unrolled)
        {
            w.Line($"global::System.Array.Copy({source}, {start}, {span}, {start}, {count});");
        }

        w.Line("// Softmax, shifted by the largest z so every exponent is ≤ 0 and nothing overflows.");
        w.Open();
        if (unrolled)
        {
            WriteUnrolledFloatSoftmax(w, source ?? span, span, start, size, logSumExpTarget);
            w.Close();
            return;
        }


        int blocks = math.IsDouble ? 0 : size / 8 * 8;
        if (blocks > 0)
        {
            // The largest z: lane-wise maxima of the blocks of eight (the hardware max: a NaN z still turns the softmax NaN
            // through e^(z − max)), then across the lanes and the rest.
            w.Line($"global::System.Runtime.Intrinsics.Vector256<float> maxima = Load8({span}, {start});");
            w.Open($"for (int j = 8; j < {MathText.Int(blocks)}; j += 8)");
            w.Line($"maxima = global::System.Runtime.Intrinsics.Vector256.MaxNative(maxima, Load8({span}, {start} + j));");
            w.Close();
            w.Line("float max = global::System.Runtime.Intrinsics.Vector256.GetElement(maxima, 0);");
            w.Open("for (int lane = 1; lane < 8; lane++)");
            w.Line("max = float.Max(max, global::System.Runtime.Intrinsics.Vector256.GetElement(maxima, lane));");
            w.Close();
            w.Open($"for (int j = {MathText.Int(blocks)}; j < {count}; j++)");
            w.Line($"max = float.Max(max, {span}[{start} + j]);");
            w.Close();
        }
        else
        {
            w.Line($"{t} max = {span}[{start}];");
            w.Open($"for (int j = 1; j < {count}; j++)");
            w.Line($"max = {t}.Max(max, {span}[{start} + j]);");
            w.Close();
        }

        w.Line($"{t} sum = {math.Zero};");
        if (blocks > 0)
        {
            // Eight exponentials per instruction sequence; the lane sums are added in a fixed order.
            w.Open($"for (int j = 0; j < {MathText.Int(blocks)}; j += 8)");
            w.Line($"global::System.Runtime.Intrinsics.Vector256<float> e = global::NetGen.Numerics.VectorMath.Exp(Load8({span}, {start} + j) - global::System.Runtime.Intrinsics.Vector256.Create(max));");
            w.Line($"Store8(e, {span}, {start} + j);");
            w.Line("sum += global::System.Runtime.Intrinsics.Vector256.Sum(e);");
            w.Close();
        }

        w.Open($"for (int j = {MathText.Int(blocks)}; j < {count}; j++)");
        w.Line($"{t} e = {(math.IsDouble ? "double.Exp" : "global::NetGen.Numerics.VectorMath.Exp")}({span}[{start} + j] - max);");
        w.Line($"{span}[{start} + j] = e;");
        w.Line("sum += e;");
        w.Close();
        if (logSumExpTarget is not null)
        {
            w.Line($"{logSumExpTarget} = max + {(math.IsDouble ? "double.Log" : "global::NetGen.Numerics.VectorMath.Log")}(sum);");
        }
        if (blocks > 0)
        {
            // One division, then multiplications: ten divisions cost more than the rest of a 64-32-10 softmax.
            w.Line("float inverse = 1f / sum;");
            w.Open($"for (int j = 0; j < {MathText.Int(blocks)}; j += 8)");
            w.Line($"Store8(Load8({span}, {start} + j) * inverse, {span}, {start} + j);");
            w.Close();
            w.Open($"for (int j = {MathText.Int(blocks)}; j < {count}; j++)");
            w.Line($"{span}[{start} + j] *= inverse;");
            w.Close();
        }
        else
        {
            w.Open($"for (int j = 0; j < {count}; j++)");
            w.Line($"{span}[{start} + j] /= sum;");
            w.Close();
        }

        w.Close();
    }

    // The float softmax over a span, unrolled: every block of eight z loaded once, and the rest as the last eight z (which
    // overlap the last block), so the rest's exponentials are one vector, not one scalar call each, and nothing goes back
    // to memory before the final store. The arithmetic is the looped version's, in its order: the same blockwise
    // exponentials (a lane of VectorMath.Exp is the scalar Exp), the sum in the same order, the same reciprocal; the
    // overlapping lanes are stored twice with the same values. The z may come from another span of the same layout (the
    // batched forward's zᴸ, which it keeps for the loss), saving a copy.
    private static void WriteUnrolledFloatSoftmax(SourceWriter w, string source, string span, string start, int size, string? logSumExpTarget)
    {
        const string Vf = "global::System.Runtime.Intrinsics.Vector256<float>";
        const string V = "global::System.Runtime.Intrinsics.Vector256";
        const string VectorMath = "global::NetGen.Numerics.VectorMath";
        int blocks = size / 8;
        int rest = size % 8;
        string At(int offset) => offset == 0 ? start : $"{start} + {MathText.Int(offset)}";
        var z = new List<string>();
        for (int b = 0; b < blocks; b++)
        {
            w.Line($"{Vf} z{MathText.Int(b)} = Load8({source}, {At(8 * b)});");
            z.Add("z" + MathText.Int(b));
        }

        if (rest > 0)
        {
            w.Line($"{Vf} zt = Load8({source}, {At(size - 8)}); // the last eight z: lanes {MathText.Int(8 - rest)}–7 are the rest");
            z.Add("zt");
        }

        // The hardware's max: a NaN z still turns the softmax NaN through e^(z − max).
        string maxima = z[0];
        foreach (string next in z.Skip(1))
        {
            maxima = $"{V}.MaxNative({maxima}, {next})";
        }

        w.Line($"float max = {V}.ToScalar({VectorMath}.MaxAcross({maxima}));");
        w.Line($"{Vf} shift = {V}.Create(max);");
        var e = z.Select(name => "e" + name.Substring(1)).ToList();
        for (int i = 0; i < z.Count; i++)
        {
            w.Line($"{Vf} {e[i]} = {VectorMath}.Exp({z[i]} - shift);");
        }

        w.Line($"float sum = {V}.Sum(e0);");
        for (int b = 1; b < blocks; b++)
        {
            w.Line($"sum += {V}.Sum(e{MathText.Int(b)});");
        }

        for (int lane = 8 - rest; lane < 8 && rest > 0; lane++)
        {
            w.Line($"sum += {V}.GetElement(et, {MathText.Int(lane)});");
        }

        if (logSumExpTarget is not null)
        {
            w.Line($"{logSumExpTarget} = max + {VectorMath}.Log(sum);");
        }

        w.Line($"{Vf} inverse = {V}.Create(1f / sum);");
        if (rest > 0)
        {
            w.Line($"Store8(et * inverse, {span}, {At(size - 8)});");
        }

        for (int b = 0; b < blocks; b++)
        {
            w.Line($"Store8(e{MathText.Int(b)} * inverse, {span}, {At(8 * b)});");
        }
    }
}
