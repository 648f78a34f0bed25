using System.Collections.Generic;
using System.Linq;

namespace NetGen.Generator.Emit;

/// <summary>
/// Every softmax NetGen writes, a_j = e^(z_j − max z) / Σ_k e^(z_k − max z) (shifted by the largest z so that no
/// exponent is positive and nothing overflows), at the placement the emission plan chose for where its z are:
/// <list type="bullet">
/// <item><see cref="WriteOverScalars"/>: scalar locals of the unrolled forward;</item>
/// <item><see cref="WriteOverLanes"/>: Vector256 locals of the lane path, one sample per lane;</item>
/// <item><see cref="WriteInRegisters"/>: blocks of eight z in Vector256 locals of the register-resident forward;</item>
/// <item><see cref="WriteOverSpan"/>: a span, written out block by block up to <see cref="EmissionLimits.MaxUnrolledSoftmax"/>
/// outputs in single precision, in loops beyond (and in double precision).</item>
/// </list>
/// Each placement keeps the operation order it has always had, so results are bitwise those of earlier versions; the
/// single-precision span forms share theirs (blockwise exponentials, sums in the same order, one reciprocal).
/// </summary>
internal static class SoftmaxEmitter
{
    private const string V = TypeNames.Vector256;
    private const string Vf = TypeNames.Vector256Float;
    private const string ShiftComment = "// Softmax, shifted by the largest z so every exponent is ≤ 0 and nothing overflows.";

    /// <summary>Over scalar locals <paramref name="zs"/>; returns the activations as expressions e_k / sum.</summary>
    public static IEnumerable<string> WriteOverScalars(SourceWriter w, string t, string n, IReadOnlyList<string> zs)
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
        return Enumerable.Range(0, zs.Count).Select(k => $"e{n}_{MathText.Int(k)} / sum{n}");
    }

    /// <summary>
    /// Over Vector256 locals <paramref name="zs"/> (one sample per lane): shifted by the lane-wise largest z, e^z over their
    /// sum, and logSumExp{n} = max + ln Σ e^(z − max) kept for the cross-entropy. Returns the names of the activations.
    /// </summary>
    public static List<string> WriteOverLanes(SourceWriter w, string n, IReadOnlyList<string> zs)
    {
        w.Line($"{Vf} max{n} = {MaxAcross(zs)};");
        for (int j = 0; j < zs.Count; j++)
        {
            w.Line($"{Vf} e{n}_{MathText.Int(j)} = {MathText.Call("Exp", $"{zs[j]} - max{n}")};");
        }

        w.Line($"{Vf} sum{n} = {string.Join(" + ", Enumerable.Range(0, zs.Count).Select(j => $"e{n}_{MathText.Int(j)}"))};");
        w.Line($"{Vf} logSumExp{n} = max{n} + {MathText.Call("Log", $"sum{n}")};");
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

    /// <summary>
    /// The output softmax over z held in registers, zv{n}_b for the blocks of eight and zr{n} for the rest, whose lanes
    /// repeat the rest's z (<see cref="FloatKernelEmitter.RestRow"/>), written to the output span.
    /// </summary>
    /// <remarks>
    /// The maximum, the exponentials, their sum and the division all run in Vector256 lanes, with no pass through memory.
    /// The softmax is the tail of the forward pass's dependency chain, so it is cut to the steps it needs: the shift by
    /// the largest z is taken only when some z is out of the range where e^z is safe unshifted (the range test runs
    /// beside the chain, and its branch is predicted); the exponential is VectorMath.ExpNoOverflow, as every z it sees
    /// is at most 64; a rest of one, two or four z repeats evenly across the lanes and is summed within its lanes beside
    /// the blocks' sum rather than masked into it; and one or two vectors are divided by the sum directly rather than
    /// through its reciprocal. Each of these measured faster in the stopwatch harness.
    /// </remarks>
    public static void WriteInRegisters(SourceWriter w, string n, int size)
    {
        int blocks = size / 8;
        int rest = size % 8;
        var z = Enumerable.Range(0, blocks).Select(b => $"zv{n}_{MathText.Int(b)}").ToList();
        if (rest > 0)
        {
            z.Add($"zr{n}");
        }

        w.Block("""
            // Softmax in registers. While every z is at most 64 and some z exceeds −20, e^z cannot overflow (40 × e^64 ≪ float's
            // maximum) and the sum is at least e^−20, so z needs no shift: a lane whose e^z clamps at e^−87.3 is off by under
            // 1e-29. Otherwise every z is shifted by the largest, so every exponent is ≤ 0 and nothing overflows.
            """);
        string outOfRange = string.Join(" || ", z.Select(v => $"{V}.GreaterThanAny({v}, {V}.Create(64f))"));
        string someAbove = string.Join(" || ", z.Select(v => $"{V}.GreaterThanAny({v}, {V}.Create(-20f))"));
        var e = Enumerable.Range(0, z.Count).Select(b => $"e{n}_{MathText.Int(b)}").ToList();
        w.Line($"{Vf} {string.Join(", ", e)};");
        w.Open($"if ({outOfRange} || !({someAbove}))");
        w.Line($"{Vf} max{n} = {MathText.Call("MaxAcross", MaxAcross(z))};");
        for (int b = 0; b < z.Count; b++)
        {
            w.Line($"{e[b]} = {MathText.Call("ExpNoOverflow", $"{z[b]} - max{n}")};");
        }

        w.Close();
        w.Open("else");
        for (int b = 0; b < z.Count; b++)
        {
            w.Line($"{e[b]} = {MathText.Call("ExpNoOverflow", z[b])};");
        }

        w.Close();
        string sum = RegisterSum(e, blocks, rest);
        bool divideDirectly = e.Count <= 2;
        w.Line(divideDirectly ? $"{Vf} sum{n} = {sum};" : $"{Vf} inverse{n} = {V}.Create(1f) / ({sum});");
        string Normalise(string exp) => divideDirectly ? $"{exp} / sum{n}" : $"{exp} * inverse{n}";
        w.Line($"ref float yr = ref {TypeNames.MemoryMarshal}.GetReference(output);");
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

    /// <summary>
    /// Over span[start .. start + count): a_j = e^(z_j − max) / Σ_k e^(z_k − max), the z read from
    /// <paramref name="source"/> (same layout) when given, else from the span itself; with
    /// <paramref name="logSumExpTarget"/>, also max + ln Σ_k e^(z_k − max) stored there.
    /// </summary>
    public static void WriteOverSpan(SourceWriter w, MathText math, string span, string start, string count, int size, string? logSumExpTarget = null, string? source = null)
    {
        bool unrolled = EmissionPlan.SpanSoftmax(math.IsDouble, size) == SoftmaxPlacement.UnrolledSpan;
        if (source is not null && !unrolled)
        {
            w.Line($"{TypeNames.Array}.Copy({source}, {start}, {span}, {start}, {count});");
        }

        w.Line(ShiftComment);
        w.Open();
        if (unrolled)
        {
            WriteBlocksOverSpan(w, source ?? span, span, start, size, logSumExpTarget);
        }
        else
        {
            WriteLoopsOverSpan(w, math, span, start, count, size, logSumExpTarget);
        }

        w.Close();
    }

    // The looped softmax over a span: blockwise in single precision (lane-wise maxima, eight exponentials per vector, the
    // lane sums added in a fixed order, one reciprocal), element by element in double.
    private static void WriteLoopsOverSpan(SourceWriter w, MathText math, string span, string start, string count, int size, string? logSumExpTarget)
    {
        string t = math.T;
        string blocks = MathText.Int(math.IsDouble ? 0 : size / 8 * 8);
        bool vectors = !math.IsDouble && size >= 8;
        if (vectors)
        {
            WriteBlockMaximumAndExponentials(w, span, start, count, blocks);
        }
        else
        {
            w.Block($$"""
                {{t}} max = {{span}}[{{start}}];
                for (int j = 1; j < {{count}}; j++)
                {
                    max = {{t}}.Max(max, {{span}}[{{start}} + j]);
                }
                {{t}} sum = {{math.Zero}};
                """);
        }

        w.Block($$"""
            for (int j = {{blocks}}; j < {{count}}; j++)
            {
                {{t}} e = {{math.Exp($"{span}[{start} + j] - max")}};
                {{span}}[{{start}} + j] = e;
                sum += e;
            }
            """);
        if (logSumExpTarget is not null)
        {
            w.Line($"{logSumExpTarget} = max + {math.Log("sum")};");
        }

        if (vectors)
        {
            // One division, then multiplications: divisions would cost more than the rest of a small softmax.
            w.Block($$"""
                float inverse = 1f / sum;
                for (int j = 0; j < {{blocks}}; j += 8)
                {
                    Store8(Load8({{span}}, {{start}} + j) * inverse, {{span}}, {{start}} + j);
                }
                for (int j = {{blocks}}; j < {{count}}; j++)
                {
                    {{span}}[{{start}} + j] *= inverse;
                }
                """);
        }
        else
        {
            w.Block($$"""
                for (int j = 0; j < {{count}}; j++)
                {
                    {{span}}[{{start}} + j] /= sum;
                }
                """);
        }
    }

    // The looped single-precision softmax's first passes: the largest z (lane-wise maxima of the blocks of eight with the
    // hardware max, so a NaN z still turns the softmax NaN through e^(z − max), then across the lanes and the rest), and
    // the blocks' exponentials, eight per vector, their lane sums added in a fixed order.
    private static void WriteBlockMaximumAndExponentials(SourceWriter w, string span, string start, string count, string blocks)
    {
        w.Block($$"""
            {{Vf}} maxima = Load8({{span}}, {{start}});
            for (int j = 8; j < {{blocks}}; j += 8)
            {
                maxima = {{V}}.MaxNative(maxima, Load8({{span}}, {{start}} + j));
            }
            float max = {{V}}.GetElement(maxima, 0);
            for (int lane = 1; lane < 8; lane++)
            {
                max = float.Max(max, {{V}}.GetElement(maxima, lane));
            }
            for (int j = {{blocks}}; j < {{count}}; j++)
            {
                max = float.Max(max, {{span}}[{{start}} + j]);
            }
            float sum = 0f;
            for (int j = 0; j < {{blocks}}; j += 8)
            {
                {{Vf}} e = {{MathText.Call("Exp", $"Load8({span}, {start} + j) - {V}.Create(max)")}};
                Store8(e, {{span}}, {{start}} + j);
                sum += {{V}}.Sum(e);
            }
            """);
    }

    // The float softmax over a span, written out block by block: every block of eight z loaded once, and the rest as the
    // last eight z (which overlap the last block), so the rest's exponentials are one vector, not one scalar call each,
    // and nothing goes back to memory before the final store. The arithmetic is the looped version's, in its order: the
    // same blockwise exponentials (a lane of VectorMath.Exp is the scalar Exp), the sum in the same order, the same
    // reciprocal; the overlapping lanes are stored twice with the same values. The z may come from another span of the
    // same layout (the batched forward's zᴸ, which it keeps for the loss), saving a copy.
    private static void WriteBlocksOverSpan(SourceWriter w, string source, string span, string start, int size, string? logSumExpTarget)
    {
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

        w.Line($"float max = {V}.ToScalar({MathText.Call("MaxAcross", MaxAcross(z))});");
        w.Line($"{Vf} shift = {V}.Create(max);");
        var e = z.Select(name => "e" + name.Substring(1)).ToList();
        for (int i = 0; i < z.Count; i++)
        {
            w.Line($"{Vf} {e[i]} = {MathText.Call("Exp", $"{z[i]} - shift")};");
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
            w.Line($"{logSumExpTarget} = max + {MathText.Call("Log", "sum")};");
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

    // The lane-wise maximum of the vectors, folded left to right with the hardware's max: a NaN z still turns the softmax
    // NaN through e^(z − max).
    private static string MaxAcross(IReadOnlyList<string> vectors)
    {
        string maxima = vectors[0];
        foreach (string next in vectors.Skip(1))
        {
            maxima = $"{V}.MaxNative({maxima}, {next})";
        }

        return maxima;
    }

    // The sum of the register softmax's exponentials: the blocks' across all lanes, the rest's within its lanes when it
    // repeats evenly (each lane then holds the rest's sum), otherwise masked to its own lanes and added into the blocks.
    private static string RegisterSum(List<string> e, int blocks, int rest)
    {
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
                    restSum = MathText.Call("SumAdjacentPairs", er);
                    break;
                case 4:
                    restSum = MathText.Call("SumWithinHalves", er);
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
            sums.Add(MathText.Call("SumAcross", string.Join(" + ", terms)));
        }

        if (restSum is not null)
        {
            sums.Add(restSum);
        }

        return string.Join(" + ", sums);
    }

    // Stores lanes 0 to count − 1 of a Vector256 at yr[start…]: four at once, then a pair as one 64-bit store, then single
    // lanes (the stores follow the division at the end of the chain, so fewer of them shortens the call).
    private static void WriteLaneStores(SourceWriter w, string vector, int start, int count)
    {
        const string U = TypeNames.Unsafe;
        int lane = 0;
        if (count >= 4)
        {
            w.Line($"{TypeNames.Vector128}.StoreUnsafe({V}.GetLower({vector}), ref yr, {MathText.Int(start)});");
            lane = 4;
        }

        if (count == 2 || count == 3)
        {
            w.Line($"{U}.WriteUnaligned(ref {U}.As<float, byte>(ref {U}.Add(ref yr, {MathText.Int(start)})), {V}.ToScalar({V}.AsDouble({vector})));");
            lane = 2;
        }

        for (; lane < count; lane++)
        {
            w.Line($"{CodeText.Element("yr", start + lane)} = {V}.GetElement({vector}, {MathText.Int(lane)});");
        }
    }
}
