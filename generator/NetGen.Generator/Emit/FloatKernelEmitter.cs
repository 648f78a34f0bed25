using System.Collections.Generic;
using System.Linq;

namespace NetGen.Generator.Emit;

/// <summary>
/// Register-blocked single-precision kernels with 256-bit vectors and fused multiply-add, one per distinct layer shape,
/// written only as far as each shape needs (no remainder code where a size divides evenly). They are the batched
/// matrix products of a dense layer: forward z = W x (several rows and samples per pass, reduced by horizontal-add
/// trees), the weight gradient ∂C/∂W = δᵀ x (four rows by sixteen columns per pass over the batch) and the backward
/// error (W)ᵀ δ (four samples by sixteen columns per pass over the rows). Batched inference on CPUs that accelerate
/// 512-bit vectors has its own forward kernels (<see cref="WideRows"/>: up to eight rows by three samples).
/// </summary>
internal sealed class FloatKernelEmitter
{
    private const string V = TypeNames.Vector256;
    private const string Vf = TypeNames.Vector256Float;
    private const string U = TypeNames.Unsafe;
    private const string M = TypeNames.MemoryMarshal;
    private const string Inline = TypeNames.AggressiveInlining;
    private const string HorizontalSums = TypeNames.VectorMath + ".HorizontalSums";
    private const string Span = TypeNames.Span;
    private const string ReadOnlySpan = TypeNames.ReadOnlySpan;
    private const string V128 = TypeNames.Vector128;

    private readonly SortedSet<int> _rows8 = new();
    private readonly SortedSet<int> _rows4Samples2 = new();
    private readonly SortedSet<int> _rows4Samples3 = new();
    private readonly SortedSet<int> _dots = new();
    private readonly SortedSet<(int Outputs, int Inputs)> _weightGradients = new();
    private readonly SortedSet<(int Outputs, int Inputs)> _backErrors = new();
    private readonly SortedSet<int> _registerRows8 = new();
    private readonly SortedSet<int> _registerRows = new();
    private readonly SortedSet<(int Rows, int Vectors)> _registerRowsRest = new();
    private readonly SortedSet<(int Rows, int Samples, int Inputs)> _wideRows = new();

    /// <summary>
    /// [w_r · x] for eight consecutive rows r of a row-major [·, 8·<paramref name="vectors"/>] matrix, with x held in
    /// <paramref name="vectors"/> Vector256 arguments instead of memory (single-sample forward of small networks).
    /// </summary>
    public string RegisterRows8(int vectors)
    {
        _registerRows8.Add(vectors);
        return "RegisterRows8x" + MathText.Int(vectors);
    }

    /// <summary>w · x for one row of length 8·<paramref name="vectors"/>, x held in Vector256 arguments.</summary>
    public string RegisterRow(int vectors)
    {
        _registerRows.Add(vectors);
        return "RegisterRow" + MathText.Int(vectors);
    }

    /// <summary>
    /// [w_r · x] for 1–7 consecutive rows r, x held in Vector256 arguments, as one Vector256 whose lane k holds row
    /// <see cref="RestRow"/>(rows, k): the rows in lanes 0 to rows − 1 and copies of them in the others, so every lane is
    /// a real dot product (an output softmax's maximum and range test take all eight lanes).
    /// </summary>
    public string RegisterRowsRest(int rows, int vectors)
    {
        _registerRowsRest.Add((rows, vectors));
        return $"RegisterRows{MathText.Int(rows)}x{MathText.Int(vectors)}";
    }

    /// <summary>
    /// The row in lane <paramref name="lane"/> of <see cref="RegisterRowsRest"/>'s result: up to four rows are summed by
    /// one four-vector horizontal-add tree whose result fills both halves, so they repeat every four lanes (every
    /// <paramref name="rows"/> lanes when that divides four); five to seven fill the eight-vector tree in turn.
    /// </summary>
    public static int RestRow(int rows, int lane) => rows <= 4 ? lane % 4 % rows : lane % rows;

    /// <summary>[w_r · x] for eight consecutive rows r of a row-major [·, inputs] matrix: a Vector256 of eight dot products.</summary>
    public string DotRows8(int inputs)
    {
        _rows8.Add(inputs);
        return "DotRows8x" + MathText.Int(inputs);
    }

    /// <summary>Four rows by two samples: [w_0·x, …, w_3·x, w_0·x', …, w_3·x'].</summary>
    public string DotRows4Samples2(int inputs)
    {
        _rows4Samples2.Add(inputs);
        return "DotRows4Samples2x" + MathText.Int(inputs);
    }

    /// <summary>
    /// Four rows by three samples: returns [w_0·x, …, w_3·x, w_0·x', …, w_3·x'] and gives [w_0·x'', …, w_3·x''] in its
    /// out argument. Only for row lengths that are a multiple of eight.
    /// </summary>
    public string DotRows4Samples3(int inputs)
    {
        _rows4Samples3.Add(inputs);
        return "DotRows4Samples3x" + MathText.Int(inputs);
    }

    /// <summary>
    /// Batched inference on CPUs that accelerate 512-bit vectors: [w_r · x_i] for <paramref name="rows"/> (1–8)
    /// consecutive rows r and <paramref name="samples"/> (1–3) consecutive samples x_i of a sample-major block. Each
    /// sample's sums come back as one vector (<see cref="WideRowsResult"/>) with row r in lane r and zero in the lanes past
    /// the rows: the first returned, the others in out arguments z1 and z2. A sample's sums are the same bits whichever of
    /// these kernels computes them (each sample has its own accumulators and reduction).
    /// </summary>
    public string WideRows(int rows, int samples, int inputs)
    {
        _wideRows.Add((rows, samples, inputs));
        return $"WideRows{MathText.Int(rows)}Samples{MathText.Int(samples)}x{MathText.Int(inputs)}";
    }

    /// <summary>The vector type of one sample's sums from <see cref="WideRows"/>: eight lanes for five rows or more, four for fewer.</summary>
    public static string WideRowsResult(int rows) => rows > 4 ? Vf : TypeNames.Vector128Float;

    /// <summary>One dot product of length <paramref name="inputs"/>.</summary>
    public string Dot(int inputs)
    {
        _dots.Add(inputs);
        return "DotFloat" + MathText.Int(inputs);
    }

    /// <summary>∂C/∂W[j, k] = Σ_s δ[s, j] x[s, k], written (not added) into the gradient.</summary>
    public string WeightGradient(int outputs, int inputs)
    {
        _weightGradients.Add((outputs, inputs));
        return $"WeightGradient{MathText.Int(outputs)}x{MathText.Int(inputs)}";
    }

    /// <summary>g[s, k] = Σ_j δ[s, j] W[j, k]: the error sent back to the previous layer, before its mask and σ'.</summary>
    public string BackError(int outputs, int inputs)
    {
        _backErrors.Add((outputs, inputs));
        return $"BackError{MathText.Int(outputs)}x{MathText.Int(inputs)}";
    }

    public void Write(SourceWriter w, bool isFloat)
    {
        foreach (int n in _rows8)
        {
            WriteDotRows8(w, n);
        }

        foreach (int n in _rows4Samples2)
        {
            WriteDotRows4Samples2(w, n);
        }

        foreach (int n in _rows4Samples3)
        {
            WriteDotRows4Samples3(w, n);
        }

        foreach (var (rows, samples, n) in _wideRows)
        {
            WriteWideRows(w, rows, samples, n);
        }

        foreach (int m in _registerRows8)
        {
            WriteRegisterRows8(w, m);
        }

        foreach (int m in _registerRows)
        {
            WriteRegisterRow(w, m);
        }

        foreach (var (rows, m) in _registerRowsRest)
        {
            WriteRegisterRowsRest(w, rows, m);
        }

        foreach (int n in _dots)
        {
            WriteDot(w, n);
        }

        foreach (var (o, n) in _weightGradients)
        {
            WriteWeightGradient(w, o, n);
        }

        foreach (var (o, n) in _backErrors)
        {
            WriteBackError(w, o, n);
        }

        if (isFloat)
        {
            w.Line();
            w.Line($"private static {Vf} Load8({ReadOnlySpan}<float> span, int start) => {V}.LoadUnsafe(ref {M}.GetReference(span), (nuint)start);");
            w.Line();
            w.Line($"private static void Store8({Vf} value, {Span}<float> span, int start) => {V}.StoreUnsafe(value, ref {M}.GetReference(span), (nuint)start);");
        }
    }

    private static string I(int value) => MathText.Int(value);

    private static void Pointers(SourceWriter w, params (string Name, string Span, string Start)[] pointers)
    {
        foreach (var (name, span, start) in pointers)
        {
            w.Line($"ref float {name} = ref {U}.Add(ref {M}.GetReference({span}), {start});");
        }
    }

    // ref float w0 = ref wr, w1 = row 1, …: one base register per row, so each load in the loop is base + 4·k.
    private static void RowReferences(SourceWriter w, string baseRef, int rowLength, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            w.Line(r == 0
                ? $"ref float w0 = ref {baseRef};"
                : $"ref float w{r} = ref {U}.Add(ref {baseRef}, {I(r * rowLength)});");
        }
    }

    private static string Fma(string a, string b, string c) => $"{V}.MultiplyAddEstimate({a}, {b}, {c})";

    private static string Load(string reference, string offset) => $"{V}.LoadUnsafe(ref {reference}, (nuint)({offset}))";

    private static string At(string reference, string offset) => $"{U}.Add(ref {reference}, {offset})";

    // Rows of up to this many elements are multiplied in straight-line code rather than a loop.
    private const int MaxStraightDotRows = 64;

    private static void WriteDotRows8(SourceWriter w, int n)
    {
        int body = n / 8 * 8;
        w.Line();
        w.Line($"/// <summary>[w_r · x] for the eight rows r of w starting at wStart (row length {I(n)}): eight accumulators side by side,");
        w.Line("/// so x is loaded once per eight rows, reduced by one horizontal-add tree.</summary>");
        w.Line(Inline);
        w.Open($"private static {Vf} DotRows8x{I(n)}({ReadOnlySpan}<float> w, int wStart, {ReadOnlySpan}<float> x, int xStart)");
        Pointers(w, ("wr", "w", "wStart"), ("xr", "x", "xStart"));
        string sums = $"{Vf}.Zero";
        if (body > 0)
        {
            RowReferences(w, "wr", n, 8);
            if (body <= MaxStraightDotRows)
            {
                // Straight-line: no loop counter or branch between the eight multiply-add chains.
                for (int k = 0; k < body; k += 8)
                {
                    w.Line($"{Vf} xv{I(k / 8)} = {V}.LoadUnsafe(ref xr, {I(k)});");
                    for (int r = 0; r < 8; r++)
                    {
                        string product = k == 0 ? $"{V}.LoadUnsafe(ref w{r}, {I(k)}) * xv0" : Fma($"{V}.LoadUnsafe(ref w{r}, {I(k)})", $"xv{I(k / 8)}", $"s{r}");
                        w.Line(k == 0 ? $"{Vf} s{r} = {product};" : $"s{r} = {product};");
                    }
                }
            }
            else
            {
                w.Line(string.Join(" ", Enumerable.Range(0, 8).Select(r => $"{Vf} s{r} = {Vf}.Zero;")));
                w.Open($"for (nuint k = 0; k < {I(body)}; k += 8)");
                w.Line($"{Vf} xv = {V}.LoadUnsafe(ref xr, k);");
                for (int r = 0; r < 8; r++)
                {
                    w.Line($"s{r} = {Fma($"{V}.LoadUnsafe(ref w{r}, k)", "xv", $"s{r}")};");
                }

                w.Close();
            }

            sums = $"{HorizontalSums}(s0, s1, s2, s3, s4, s5, s6, s7)";
        }

        if (body == n)
        {
            w.Line($"return {sums};");
        }
        else
        {
            w.Line(string.Join(" ", Enumerable.Range(0, 8).Select(r => $"float t{r} = 0f;")));
            w.Open($"for (int k = {I(body)}; k < {I(n)}; k++)");
            w.Line($"float xk = {At("xr", "k")};");
            for (int r = 0; r < 8; r++)
            {
                w.Line($"t{r} += {At("wr", r == 0 ? "k" : $"{I(r * n)} + k")} * xk;");
            }

            w.Close();
            w.Line($"return {sums} + {V}.Create(t0, t1, t2, t3, t4, t5, t6, t7);");
        }

        w.Close();
    }

    private static string VectorArguments(int m) => string.Join(", ", Enumerable.Range(0, m).Select(b => $"{Vf} x{I(b)}"));

    // Σ_b W[r, 8b .. 8b+8) ⊙ x_b for row r: the products of one row, one lane-wise sum chain of m terms.
    private static string RowProducts(int m, string rowOffset)
    {
        string sum = $"{Load("w", rowOffset)} * x0";
        for (int b = 1; b < m; b++)
        {
            sum = Fma(Load("w", $"{rowOffset} + {I(8 * b)}"), $"x{I(b)}", sum);
        }

        return sum;
    }

    private static void WriteRegisterRows8(SourceWriter w, int m)
    {
        int n = 8 * m;
        w.Line();
        w.Line($"/// <summary>[w_r · x] for the eight rows r of length {I(n)} starting at w, x in {I(m)} vector registers: eight");
        w.Line("/// independent product chains reduced by one horizontal-add tree, no memory traffic for x.</summary>");
        w.Line(Inline);
        w.Open($"private static {Vf} RegisterRows8x{I(m)}(ref float w, {VectorArguments(m)})");
        for (int r = 0; r < 8; r++)
        {
            w.Line($"{Vf} s{r} = {RowProducts(m, I(r * n))};");
        }

        w.Line($"return {HorizontalSums}(s0, s1, s2, s3, s4, s5, s6, s7);");
        w.Close();
    }

    private static void WriteRegisterRowsRest(SourceWriter w, int rows, int m)
    {
        int n = 8 * m;
        w.Line();
        w.Line($"/// <summary>[w_r · x] for the {I(rows)} rows r of length {I(n)} starting at w, x in {I(m)} vector registers, in lanes 0–{I(rows - 1)}, the");
        w.Line("/// other lanes repeating them: one horizontal-add tree, no scalar extracted and no vector built from scalars.</summary>");
        w.Line(Inline);
        w.Open($"private static {Vf} RegisterRows{I(rows)}x{I(m)}(ref float w, {VectorArguments(m)})");
        for (int r = 0; r < rows; r++)
        {
            w.Line($"{Vf} s{r} = {RowProducts(m, I(r * n))};");
        }

        if (rows <= 4)
        {
            string sums = string.Join(", ", Enumerable.Range(0, 4).Select(lane => $"s{I(RestRow(rows, lane))}"));
            w.Line($"{V128}<float> h = {HorizontalSums}({sums});");
            w.Line($"return {V}.Create(h, h);");
        }
        else
        {
            string sums = string.Join(", ", Enumerable.Range(0, 8).Select(lane => $"s{I(RestRow(rows, lane))}"));
            w.Line($"return {HorizontalSums}({sums});");
        }

        w.Close();
    }

    private static void WriteRegisterRow(SourceWriter w, int m)
    {
        w.Line();
        w.Line($"/// <summary>w · x for one row of length {I(8 * m)} starting at w, x in {I(m)} vector registers.</summary>");
        w.Line(Inline);
        w.Open($"private static float RegisterRow{I(m)}(ref float w, {VectorArguments(m)})");
        w.Line($"{Vf} s = {RowProducts(m, "0")};");
        w.Line($"{V128}<float> h = {V}.GetLower(s) + {V}.GetUpper(s);");
        w.Line($"h += {V128}.Shuffle(h, {V128}.Create(2, 3, 0, 1));");
        w.Line($"h += {V128}.Shuffle(h, {V128}.Create(1, 0, 3, 2));");
        w.Line($"return {V128}.ToScalar(h);");
        w.Close();
    }

    // Twelve accumulators, three sample vectors and one weight vector: all sixteen AVX registers. Each weight vector is
    // loaded once for three samples instead of two, which cuts the weight traffic from L2 by a third: at batch 128 the
    // forward pass of a 784-wide layer is bound by that traffic, not by the multiply-adds.
    private static void WriteDotRows4Samples3(SourceWriter w, int n)
    {
        w.Line();
        w.Line($"/// <summary>Four rows of w (row length {I(n)}) against three samples x, x', x'': [w_r·x, w_r·x'] returned, [w_r·x''] in");
        w.Line("/// third; twelve accumulators, seven loads per twelve multiply-adds.</summary>");
        w.Line(Inline);
        w.Open($"private static {Vf} DotRows4Samples3x{I(n)}({ReadOnlySpan}<float> w, int wStart, {ReadOnlySpan}<float> x, int x0Start, int x1Start, int x2Start, out {V128}<float> third)");
        Pointers(w, ("wr", "w", "wStart"), ("x0", "x", "x0Start"), ("x1", "x", "x1Start"), ("x2", "x", "x2Start"));
        RowReferences(w, "wr", n, 4);
        w.Line(string.Join(" ", Enumerable.Range(0, 4).Select(r => $"{Vf} a{r} = {Vf}.Zero; {Vf} b{r} = {Vf}.Zero; {Vf} c{r} = {Vf}.Zero;")));
        w.Open($"for (nuint k = 0; k < {I(n)}; k += 8)");
        w.Line($"{Vf} u = {V}.LoadUnsafe(ref x0, k);");
        w.Line($"{Vf} v = {V}.LoadUnsafe(ref x1, k);");
        w.Line($"{Vf} t = {V}.LoadUnsafe(ref x2, k);");
        for (int r = 0; r < 4; r++)
        {
            w.Line($"{Vf} e{r} = {V}.LoadUnsafe(ref w{r}, k);");
            w.Line($"a{r} = {Fma($"e{r}", "u", $"a{r}")};");
            w.Line($"b{r} = {Fma($"e{r}", "v", $"b{r}")};");
            w.Line($"c{r} = {Fma($"e{r}", "t", $"c{r}")};");
        }

        w.Close();
        w.Line($"third = {HorizontalSums}(c0, c1, c2, c3);");
        w.Line($"return {HorizontalSums}(a0, a1, a2, a3, b0, b1, b2, b3);");
        w.Close();
    }

    // Eight rows by three samples: twenty-four 512-bit accumulators, three sample vectors and one weight vector of the
    // thirty-two registers, eleven loads per twenty-four multiply-adds. The eight rows stay in the first-level cache
    // while the block's samples stream past them three at a time; a sample vector is loaded once per eight rows, so the
    // samples' placement (a 512-bit load that straddles two cache lines) costs little. A last block of eight inputs goes
    // into the lower halves of the accumulators, single columns into scalars; each sample's row sums come from one
    // 512-bit reduction tree (VectorMath.HorizontalSums), zero vectors standing in for the rows past the last.
    private static void WriteWideRows(SourceWriter w, int rows, int samples, int n)
    {
        const string V512 = TypeNames.Vector512;
        const string Vf512 = TypeNames.Vector512Float;
        int body16 = n / 16 * 16;
        int body8 = n / 8 * 8;
        string result = WideRowsResult(rows);
        string outs = string.Concat(Enumerable.Range(1, samples - 1).Select(i => $", out {result} z{I(i)}"));
        w.Line();
        w.Line($"/// <summary>[w_r · x_i] for the {I(rows)} rows of w from wStart (row length {I(n)}) and the {I(samples)} samples of x from xStart: one");
        w.Line("/// vector of row sums per sample, the first returned.</summary>");
        w.Line(Inline);
        w.Open($"private static {result} WideRows{I(rows)}Samples{I(samples)}x{I(n)}({ReadOnlySpan}<float> w, int wStart, {ReadOnlySpan}<float> x, int xStart{outs})");
        Pointers(w, ("wr", "w", "wStart"), ("x0", "x", "xStart"));
        for (int i = 1; i < samples; i++)
        {
            w.Line($"ref float x{I(i)} = ref {U}.Add(ref x0, {I(i * n)});");
        }

        RowReferences(w, "wr", n, rows);
        string Acc(int i, int r) => $"{"abc"[i]}{I(r)}";
        for (int i = 0; i < samples; i++)
        {
            w.Line(string.Join(" ", Enumerable.Range(0, rows).Select(r => $"{Vf512} {Acc(i, r)} = {Vf512}.Zero;")));
        }

        if (body16 > 0)
        {
            w.Open($"for (nuint k = 0; k < {I(body16)}; k += 16)");
            WriteWideStep(w, rows, samples, k => $"{V512}.LoadUnsafe(ref {k}, k)", Acc);
            w.Close();
        }

        if (body8 > body16)
        {
            // Eight inputs widened with zeros: the upper lanes add 0 · 0.
            w.Open();
            WriteWideStep(w, rows, samples, k => $"{V512}.Create({V}.LoadUnsafe(ref {k}, {I(body16)}), {Vf}.Zero)", Acc);
            w.Close();
        }

        WriteWideRowsReturn(w, rows, samples, body8, n, Acc);
        w.Close();
    }

    // One step of sixteen inputs: each sample's vector loaded once, then each row's weights once for all the samples.
    private static void WriteWideStep(SourceWriter w, int rows, int samples, System.Func<string, string> load, System.Func<int, int, string> acc)
    {
        const string V512 = TypeNames.Vector512;
        const string Vf512 = TypeNames.Vector512Float;
        for (int i = 0; i < samples; i++)
        {
            w.Line($"{Vf512} u{I(i)} = {load($"x{I(i)}")};");
        }

        for (int r = 0; r < rows; r++)
        {
            w.Line($"{Vf512} e{I(r)} = {load($"w{I(r)}")};");
            for (int i = 0; i < samples; i++)
            {
                w.Line($"{acc(i, r)} = {V512}.MultiplyAddEstimate(e{I(r)}, u{I(i)}, {acc(i, r)});");
            }
        }
    }

    // The columns past the last block of eight one at a time, then each sample's row sums: the reduction tree over its
    // accumulators plus those columns' sums.
    private static void WriteWideRowsReturn(SourceWriter w, int rows, int samples, int body8, int n, System.Func<int, int, string> acc)
    {
        bool wide = rows > 4;
        string zero = $"{TypeNames.Vector512Float}.Zero";
        if (body8 < n)
        {
            w.Line(string.Join(" ", Enumerable.Range(0, samples).SelectMany(i => Enumerable.Range(0, rows).Select(r => $"float {acc(i, r)}s = 0f;"))));
            w.Open($"for (int k = {I(body8)}; k < {I(n)}; k++)");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"float f{I(r)} = {At($"w{I(r)}", "k")};");
                w.Line(string.Join(" ", Enumerable.Range(0, samples).Select(i => $"{acc(i, r)}s += f{I(r)} * {At($"x{I(i)}", "k")};")));
            }

            w.Close();
        }

        for (int i = 0; i < samples; i++)
        {
            string sums = $"{HorizontalSums}({string.Join(", ", Enumerable.Range(0, 8).Select(r => r < rows ? acc(i, r) : zero))})";
            if (!wide)
            {
                sums = $"{V}.GetLower({sums})";
            }

            if (body8 < n)
            {
                int lanes = wide ? 8 : 4;
                sums += $" + {(wide ? V : V128)}.Create({string.Join(", ", Enumerable.Range(0, lanes).Select(r => r < rows ? acc(i, r) + "s" : "0f"))})";
            }

            w.Line(i == 0 ? $"{WideRowsResult(rows)} z0 = {sums};" : $"z{I(i)} = {sums};");
        }

        w.Line("return z0;");
    }

    // The columns past the last block of eight, one at a time, for four rows and two samples; then the return of the
    // eight sums (the vector sums of the block part plus these).
    private static void WriteScalarColumnsAndReturn(SourceWriter w, int start, int n, string sums)
    {
        if (start == n)
        {
            w.Line($"return {sums};");
            return;
        }

        w.Line(string.Join(" ", Enumerable.Range(0, 4).Select(r => $"float p{r} = 0f; float q{r} = 0f;")));
        w.Open($"for (int k = {I(start)}; k < {I(n)}; k++)");
        w.Line($"float u = {At("x0", "k")};");
        w.Line($"float v = {At("x1", "k")};");
        for (int r = 0; r < 4; r++)
        {
            string weight = At("wr", r == 0 ? "k" : $"{I(r * n)} + k");
            w.Line($"float e{r} = {weight};");
            w.Line($"p{r} += e{r} * u;");
            w.Line($"q{r} += e{r} * v;");
        }

        w.Close();
        w.Line($"return {sums} + {V}.Create(p0, p1, p2, p3, q0, q1, q2, q3);");
    }

    private static void WriteDotRows4Samples2(SourceWriter w, int n)
    {
        int body = n / 8 * 8;
        w.Line();
        w.Line($"/// <summary>[w_0·x, …, w_3·x, w_0·x', …, w_3·x'] for four rows of w (row length {I(n)}) and two samples x, x':");
        w.Line("/// eight accumulators, six loads per eight multiply-adds.</summary>");
        w.Line(Inline);
        w.Open($"private static {Vf} DotRows4Samples2x{I(n)}({ReadOnlySpan}<float> w, int wStart, {ReadOnlySpan}<float> x, int x0Start, int x1Start)");
        Pointers(w, ("wr", "w", "wStart"), ("x0", "x", "x0Start"), ("x1", "x", "x1Start"));
        string sums = $"{Vf}.Zero";
        if (body > 0)
        {
            RowReferences(w, "wr", n, 4);
            w.Line(string.Join(" ", Enumerable.Range(0, 4).Select(r => $"{Vf} a{r} = {Vf}.Zero; {Vf} b{r} = {Vf}.Zero;")));
            w.Open($"for (nuint k = 0; k < {I(body)}; k += 8)");
            w.Line($"{Vf} u = {V}.LoadUnsafe(ref x0, k);");
            w.Line($"{Vf} v = {V}.LoadUnsafe(ref x1, k);");
            for (int r = 0; r < 4; r++)
            {
                w.Line($"{Vf} c{r} = {V}.LoadUnsafe(ref w{r}, k);");
                w.Line($"a{r} = {Fma($"c{r}", "u", $"a{r}")};");
                w.Line($"b{r} = {Fma($"c{r}", "v", $"b{r}")};");
            }

            w.Close();
            sums = $"{HorizontalSums}(a0, a1, a2, a3, b0, b1, b2, b3)";
        }

        WriteScalarColumnsAndReturn(w, body, n, sums);
        w.Close();
    }

    private static void WriteDot(SourceWriter w, int n)
    {
        int body = n / 8 * 8;
        w.Line();
        w.Line($"/// <summary>x · y over {I(n)} elements from the given starts.</summary>");
        w.Line(Inline);
        w.Open($"private static float DotFloat{I(n)}({ReadOnlySpan}<float> x, int xStart, {ReadOnlySpan}<float> y, int yStart)");
        Pointers(w, ("xr", "x", "xStart"), ("yr", "y", "yStart"));
        w.Line("float result = 0f;");
        if (body > 0)
        {
            w.Line($"{Vf} sum = {Vf}.Zero;");
            w.Open($"for (int k = 0; k < {I(body)}; k += 8)");
            w.Line($"sum = {Fma(Load("xr", "k"), Load("yr", "k"), "sum")};");
            w.Close();
            w.Line($"result = {V}.Sum(sum);");
        }

        if (body < n)
        {
            w.Open($"for (int k = {I(body)}; k < {I(n)}; k++)");
            w.Line($"result += {At("xr", "k")} * {At("yr", "k")};");
            w.Close();
        }

        w.Line("return result;");
        w.Close();
    }

    private static void WriteWeightGradient(SourceWriter w, int o, int n)
    {
        int rows4 = o / 4 * 4;
        int cols24 = n / 24 * 24;
        bool cols16 = n - cols24 >= 16;
        int tiled = cols24 + (cols16 ? 16 : 0);
        bool cols8 = n - tiled >= 8;
        int colsVector = tiled + (cols8 ? 8 : 0);
        w.Line();
        w.Line($"/// <summary>∂C/∂W[j, k] = Σ_s δ[s, j] x[s, k] for W [{I(o)}, {I(n)}], written into gradient at offset: blocks of four rows by");
        w.Line("/// twenty-four columns held in twelve accumulators for the whole batch (then sixteen in eight), so each gradient entry is");
        w.Line("/// stored once.</summary>");
        w.Open($"private static void WeightGradient{I(o)}x{I(n)}({ReadOnlySpan}<float> delta, {ReadOnlySpan}<float> x, int batch, {Span}<float> gradient, int offset)");
        Pointers(w, ("dr", "delta", "0"), ("xr", "x", "0"), ("gr", "gradient", "offset"));
        if (rows4 > 0 && cols24 > 0)
        {
            WriteWeightGradientTiles(w, o, n, rows4, 0, cols24, 3);
        }

        if (rows4 > 0 && cols16)
        {
            WriteWeightGradientTiles(w, o, n, rows4, cols24, cols24 + 16, 2);
        }

        if (rows4 > 0 && colsVector < n | cols8)
        {
            w.Open($"for (int j = 0; j < {I(rows4)}; j += 4)");
            if (cols8)
            {
                w.Open();
                w.Line(string.Join(" ", Enumerable.Range(0, 4).Select(r => $"{Vf} a{r} = {Vf}.Zero;")));
                w.Open("for (int s = 0; s < batch; s++)");
                w.Line($"{Vf} u = {Load("xr", $"s * {I(n)} + {I(tiled)}")};");
                w.Line($"ref float ds = ref {U}.Add(ref dr, s * {I(o)} + j);");
                for (int r = 0; r < 4; r++)
                {
                    w.Line($"a{r} = {Fma($"{V}.Create({At("ds", I(r))})", "u", $"a{r}")};");
                }

                w.Close();
                for (int r = 0; r < 4; r++)
                {
                    w.Line($"{V}.StoreUnsafe(a{r}, ref gr, (nuint)((j + {I(r)}) * {I(n)} + {I(tiled)}));");
                }

                w.Close();
            }

            if (colsVector < n)
            {
                WriteScalarGradientColumns(w, o, n, colsVector, "j", 4);
            }

            w.Close();
        }

        if (rows4 < o)
        {
            w.Open($"for (int j = {I(rows4)}; j < {I(o)}; j++)");
            if (colsVector > 0)
            {
                w.Open($"for (int k = 0; k < {I(colsVector)}; k += 8)");
                w.Line($"{Vf} a = {Vf}.Zero;");
                w.Open("for (int s = 0; s < batch; s++)");
                w.Line($"a = {Fma($"{V}.Create({At("dr", $"s * {I(o)} + j")})", Load("xr", $"s * {I(n)} + k"), "a")};");
                w.Close();
                w.Line($"{V}.StoreUnsafe(a, ref gr, (nuint)(j * {I(n)} + k));");
                w.Close();
            }

            if (colsVector < n)
            {
                WriteScalarGradientColumns(w, o, n, colsVector, "j", 1);
            }

            w.Close();
        }

        w.Close();
    }

    // Four rows j by 8·vectors columns k from first to end: 4·vectors accumulators over the whole batch. Twelve (three
    // vectors) leave the two FMA pipes' four-cycle latency covered with slack, where eight keep them exactly busy; columns
    // outermost, so the batch's x[·, k ..] stays in the first-level cache while every block of four rows is accumulated.
    private static void WriteWeightGradientTiles(SourceWriter w, int o, int n, int rows4, int first, int end, int vectors)
    {
        string[] acc = ["a", "b", "c"];
        int width = 8 * vectors;
        w.Open($"for (int k = {I(first)}; k < {I(end)}; k += {I(width)})");
        w.Open($"for (int j = 0; j < {I(rows4)}; j += 4)");
        w.Line(string.Join(" ", Enumerable.Range(0, 4).SelectMany(r => Enumerable.Range(0, vectors).Select(c => $"{Vf} {acc[c]}{r} = {Vf}.Zero;"))));
        w.Line($"ref float xs = ref {U}.Add(ref xr, k);");
        w.Line($"ref float ds = ref {U}.Add(ref dr, j);");
        w.Open("for (int s = 0; s < batch; s++)");
        string[] xv = ["u", "v", "t"];
        for (int c = 0; c < vectors; c++)
        {
            w.Line($"{Vf} {xv[c]} = {V}.LoadUnsafe(ref xs{(c == 0 ? string.Empty : $", {I(8 * c)}")});");
        }

        for (int r = 0; r < 4; r++)
        {
            w.Line($"{Vf} d{r} = {V}.Create({(r == 0 ? "ds" : At("ds", I(r)))});");
            for (int c = 0; c < vectors; c++)
            {
                w.Line($"{acc[c]}{r} = {Fma($"d{r}", xv[c], $"{acc[c]}{r}")};");
            }
        }

        w.Line($"xs = ref {U}.Add(ref xs, {I(n)});");
        w.Line($"ds = ref {U}.Add(ref ds, {I(o)});");
        w.Close();
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < vectors; c++)
            {
                w.Line($"{V}.StoreUnsafe({acc[c]}{r}, ref gr, (nuint)((j + {I(r)}) * {I(n)} + k{(c == 0 ? string.Empty : $" + {I(8 * c)}")}));");
            }
        }

        w.Close();
        w.Close();
    }

    private static void WriteScalarGradientColumns(SourceWriter w, int o, int n, int first, string row, int rows)
    {
        w.Open($"for (int k = {I(first)}; k < {I(n)}; k++)");
        w.Line(string.Join(" ", Enumerable.Range(0, rows).Select(r => $"float c{r} = 0f;")));
        w.Open("for (int s = 0; s < batch; s++)");
        w.Line($"float xk = {At("xr", $"s * {I(n)} + k")};");
        for (int r = 0; r < rows; r++)
        {
            w.Line($"c{r} += {At("dr", $"s * {I(o)} + {row} + {I(r)}")} * xk;");
        }

        w.Close();
        for (int r = 0; r < rows; r++)
        {
            w.Line($"{At("gr", $"({row} + {I(r)}) * {I(n)} + k")} = c{r};");
        }

        w.Close();
    }

    private static void WriteBackError(SourceWriter w, int o, int n)
    {
        int cols16 = n / 16 * 16;
        bool cols8 = n - cols16 >= 8;
        int colsVector = cols16 + (cols8 ? 8 : 0);
        w.Line();
        w.Line($"/// <summary>g[s, k] = Σ_j δ[s, j] W[j, k] for W [{I(o)}, {I(n)}]: blocks of four samples by sixteen columns in eight accumulators,");
        w.Line("/// columns outermost so the block of W they read stays in the first-level cache across the batch.</summary>");
        w.Open($"private static void BackError{I(o)}x{I(n)}({ReadOnlySpan}<float> delta, {ReadOnlySpan}<float> w, int wStart, int batch, {Span}<float> back)");
        Pointers(w, ("dr", "delta", "0"), ("wr", "w", "wStart"), ("gr", "back", "0"));
        w.Line("int samples4 = batch & ~3;");
        if (cols16 > 0)
        {
            w.Open($"for (int k = 0; k < {I(cols16)}; k += 16)");
            w.Open("for (int s = 0; s < samples4; s += 4)");
            w.Line(string.Join(" ", Enumerable.Range(0, 4).Select(r => $"{Vf} a{r} = {Vf}.Zero; {Vf} b{r} = {Vf}.Zero;")));
            w.Open($"for (int j = 0; j < {I(o)}; j++)");
            w.Line($"{Vf} u = {Load("wr", $"j * {I(n)} + k")};");
            w.Line($"{Vf} v = {Load("wr", $"j * {I(n)} + k + 8")};");
            for (int r = 0; r < 4; r++)
            {
                w.Line($"{Vf} d{r} = {V}.Create({At("dr", $"(s + {I(r)}) * {I(o)} + j")});");
                w.Line($"a{r} = {Fma($"d{r}", "u", $"a{r}")};");
                w.Line($"b{r} = {Fma($"d{r}", "v", $"b{r}")};");
            }

            w.Close();
            for (int r = 0; r < 4; r++)
            {
                w.Line($"{V}.StoreUnsafe(a{r}, ref gr, (nuint)((s + {I(r)}) * {I(n)} + k));");
                w.Line($"{V}.StoreUnsafe(b{r}, ref gr, (nuint)((s + {I(r)}) * {I(n)} + k + 8));");
            }

            w.Close();
            w.Open("for (int s = samples4; s < batch; s++)");
            w.Line($"{Vf} a = {Vf}.Zero; {Vf} b = {Vf}.Zero;");
            w.Open($"for (int j = 0; j < {I(o)}; j++)");
            w.Line($"{Vf} d = {V}.Create({At("dr", $"s * {I(o)} + j")});");
            w.Line($"a = {Fma("d", Load("wr", $"j * {I(n)} + k"), "a")};");
            w.Line($"b = {Fma("d", Load("wr", $"j * {I(n)} + k + 8"), "b")};");
            w.Close();
            w.Line($"{V}.StoreUnsafe(a, ref gr, (nuint)(s * {I(n)} + k));");
            w.Line($"{V}.StoreUnsafe(b, ref gr, (nuint)(s * {I(n)} + k + 8));");
            w.Close();
            w.Close();
        }

        if (cols8)
        {
            w.Open("for (int s = 0; s < batch; s++)");
            w.Line($"{Vf} a = {Vf}.Zero;");
            w.Open($"for (int j = 0; j < {I(o)}; j++)");
            w.Line($"a = {Fma($"{V}.Create({At("dr", $"s * {I(o)} + j")})", Load("wr", $"j * {I(n)} + {I(cols16)}"), "a")};");
            w.Close();
            w.Line($"{V}.StoreUnsafe(a, ref gr, (nuint)(s * {I(n)} + {I(cols16)}));");
            w.Close();
        }

        if (colsVector < n)
        {
            w.Open("for (int s = 0; s < batch; s++)");
            w.Open($"for (int k = {I(colsVector)}; k < {I(n)}; k++)");
            w.Line("float c = 0f;");
            w.Open($"for (int j = 0; j < {I(o)}; j++)");
            w.Line($"c += {At("dr", $"s * {I(o)} + j")} * {At("wr", $"j * {I(n)} + k")};");
            w.Close();
            w.Line($"{At("gr", $"s * {I(n)} + k")} = c;");
            w.Close();
            w.Close();
        }

        w.Close();
    }
}
