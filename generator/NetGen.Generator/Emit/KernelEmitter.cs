using System.Collections.Generic;
using System.Linq;

namespace NetGen.Generator.Emit;

/// <summary>
/// Collects the fixed-length vector kernels the layer code calls (dot products and multiply-adds, one per distinct
/// length) and writes them once at the end of the class. Constant lengths give the JIT constant trip counts.
/// </summary>
internal sealed class KernelEmitter
{
    // Below this length a scalar expression beats setting up a vector accumulator.
    private const int UnrolledLength = 4;

    private readonly SortedSet<int> _dots = new();
    private readonly SortedSet<int> _multiplyAdds = new();
    private readonly MathText _math;

    public KernelEmitter(MathText math) => _math = math;

    public string Dot(int length)
    {
        _dots.Add(length);
        return "Dot" + MathText.Int(length);
    }

    public string MultiplyAdd(int length)
    {
        _multiplyAdds.Add(length);
        return "MultiplyAdd" + MathText.Int(length);
    }

    public void Write(SourceWriter w)
    {
        foreach (int n in _dots)
        {
            WriteDot(w, n);
        }

        foreach (int n in _multiplyAdds)
        {
            WriteMultiplyAdd(w, n);
        }
    }

    private string Vector => $"{TypeNames.Vector}<{_math.T}>";

    private string Pointers => $"""
        ref {_math.T} xr = ref {TypeNames.Unsafe}.Add(ref {TypeNames.MemoryMarshal}.GetReference(x), xStart);
        ref {_math.T} yr = ref {TypeNames.Unsafe}.Add(ref {TypeNames.MemoryMarshal}.GetReference(y), yStart);
        """;

    private void WriteDot(SourceWriter w, int n)
    {
        string t = _math.T;
        string vector = Vector;
        const string U = TypeNames.Unsafe;
        string len = MathText.Int(n);
        w.Block($"""

            /// <summary>Σ_k x[xStart + k] · y[yStart + k] over {len} elements. Callers guarantee both ranges are in bounds.</summary>
            {TypeNames.AggressiveInlining}
            """);
        w.Open($"private static {t} Dot{len}({TypeNames.ReadOnlySpan}<{t}> x, int xStart, {TypeNames.ReadOnlySpan}<{t}> y, int yStart)");
        w.Block(Pointers);
        if (n <= UnrolledLength)
        {
            var terms = Enumerable.Range(0, n).Select(k => $"{U}.Add(ref xr, {k}) * {U}.Add(ref yr, {k})");
            w.Line("return " + string.Join(" + ", terms) + ";");
        }
        else
        {
            w.Block($$"""
                {{vector}} sum = {{vector}}.Zero;
                int k = 0;
                for (; k <= {{len}} - {{vector}}.Count; k += {{vector}}.Count)
                {
                    sum += {{TypeNames.Vector}}.LoadUnsafe(ref xr, (nuint)k) * {{TypeNames.Vector}}.LoadUnsafe(ref yr, (nuint)k);
                }
                {{t}} result = {{TypeNames.Vector}}.Sum(sum);
                for (; k < {{len}}; k++)
                {
                    result += {{U}}.Add(ref xr, k) * {{U}}.Add(ref yr, k);
                }
                return result;
                """);
        }

        w.Close();
    }

    private void WriteMultiplyAdd(SourceWriter w, int n)
    {
        string t = _math.T;
        string vector = Vector;
        const string U = TypeNames.Unsafe;
        string len = MathText.Int(n);
        w.Block($"""

            /// <summary>y[yStart + k] += alpha · x[xStart + k] over {len} elements. Callers guarantee both ranges are in bounds.</summary>
            {TypeNames.AggressiveInlining}
            """);
        w.Open($"private static void MultiplyAdd{len}({TypeNames.ReadOnlySpan}<{t}> x, int xStart, {t} alpha, {TypeNames.Span}<{t}> y, int yStart)");
        w.Block(Pointers);
        w.Line("int k = 0;");
        if (n > UnrolledLength)
        {
            w.Block($$"""
                {{vector}} scale = new {{vector}}(alpha);
                for (; k <= {{len}} - {{vector}}.Count; k += {{vector}}.Count)
                {
                    {{TypeNames.Vector}}.StoreUnsafe({{TypeNames.Vector}}.LoadUnsafe(ref yr, (nuint)k) + {{TypeNames.Vector}}.LoadUnsafe(ref xr, (nuint)k) * scale, ref yr, (nuint)k);
                }
                """);
        }

        w.Block($$"""
            for (; k < {{len}}; k++)
            {
                {{U}}.Add(ref yr, k) += {{U}}.Add(ref xr, k) * alpha;
            }
            """);
        w.Close();
    }
}
