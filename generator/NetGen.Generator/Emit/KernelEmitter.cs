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

    public bool IsEmpty => _dots.Count == 0 && _multiplyAdds.Count == 0;

    public void Write(SourceWriter w)
    {
        string t = _math.T;
        foreach (int n in _dots)
        {
            string len = MathText.Int(n);
            w.Line();
            w.Line($"/// <summary>Σ_k x[xStart + k] · y[yStart + k] over {len} elements. Callers guarantee both ranges are in bounds.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            w.Open($"private static {t} Dot{len}(global::System.ReadOnlySpan<{t}> x, int xStart, global::System.ReadOnlySpan<{t}> y, int yStart)");
            w.Line($"ref {t} xr = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(x), xStart);");
            w.Line($"ref {t} yr = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(y), yStart);");
            if (n <= UnrolledLength)
            {
                var terms = Enumerable.Range(0, n).Select(k => $"global::System.Runtime.CompilerServices.Unsafe.Add(ref xr, {k}) * global::System.Runtime.CompilerServices.Unsafe.Add(ref yr, {k})");
                w.Line("return " + string.Join(" + ", terms) + ";");
            }
            else
            {
                w.Line($"global::System.Numerics.Vector<{t}> sum = global::System.Numerics.Vector<{t}>.Zero;");
                w.Line("int k = 0;");
                w.Open($"for (; k <= {len} - global::System.Numerics.Vector<{t}>.Count; k += global::System.Numerics.Vector<{t}>.Count)");
                w.Line("sum += global::System.Numerics.Vector.LoadUnsafe(ref xr, (nuint)k) * global::System.Numerics.Vector.LoadUnsafe(ref yr, (nuint)k);");
                w.Close();
                w.Line($"{t} result = global::System.Numerics.Vector.Sum(sum);");
                w.Open($"for (; k < {len}; k++)");
                w.Line("result += global::System.Runtime.CompilerServices.Unsafe.Add(ref xr, k) * global::System.Runtime.CompilerServices.Unsafe.Add(ref yr, k);");
                w.Close();
                w.Line("return result;");
            }

            w.Close();
        }

        foreach (int n in _multiplyAdds)
        {
            string len = MathText.Int(n);
            w.Line();
            w.Line($"/// <summary>y[yStart + k] += alpha · x[xStart + k] over {len} elements. Callers guarantee both ranges are in bounds.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
            w.Open($"private static void MultiplyAdd{len}(global::System.ReadOnlySpan<{t}> x, int xStart, {t} alpha, global::System.Span<{t}> y, int yStart)");
            w.Line($"ref {t} xr = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(x), xStart);");
            w.Line($"ref {t} yr = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(y), yStart);");
            w.Line("int k = 0;");
            if (n > UnrolledLength)
            {
                w.Line($"global::System.Numerics.Vector<{t}> scale = new global::System.Numerics.Vector<{t}>(alpha);");
                w.Open($"for (; k <= {len} - global::System.Numerics.Vector<{t}>.Count; k += global::System.Numerics.Vector<{t}>.Count)");
                w.Line("global::System.Numerics.Vector.StoreUnsafe(global::System.Numerics.Vector.LoadUnsafe(ref yr, (nuint)k) + global::System.Numerics.Vector.LoadUnsafe(ref xr, (nuint)k) * scale, ref yr, (nuint)k);");
                w.Close();
            }

            w.Open($"for (; k < {len}; k++)");
            w.Line("global::System.Runtime.CompilerServices.Unsafe.Add(ref yr, k) += global::System.Runtime.CompilerServices.Unsafe.Add(ref xr, k) * alpha;");
            w.Close();
            w.Close();
        }
    }
}
