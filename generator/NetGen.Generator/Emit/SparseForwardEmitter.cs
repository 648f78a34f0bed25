using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes the layers of a <c>SparseInference</c> network that the emission plan chose to write sparse: each computed row
/// as straight-line multiply-adds over only its nonzero baked weights, read from the parameters at constant offsets.
/// </summary>
/// <remarks>
/// Rows go eight at a time, and within a block the terms run column by column: each input is loaded once for the block
/// and feeds the rows that use it, so neighbouring multiply-adds belong to different rows and their dependency chains
/// overlap. Each row's terms are still added in ascending column order. The rows are split over static methods of at
/// most <see cref="EmissionLimits.MaxSparseTermsPerMethod"/> terms, each small enough for the JIT to optimise.
/// </remarks>
internal static class SparseForwardEmitter
{
    /// <summary>The calls that compute layer l's activations from x into a (spans), one per method of its rows.</summary>
    public static void WriteCalls(SourceWriter w, EmitContext c, int l, string x, string a)
    {
        var pattern = c.Plan.Sparse[l]!;
        int methods = Methods(c, l, pattern).Count;
        string n = MathText.Int(l + 1);
        w.Line($"// {MathText.Int(pattern.Nonzeros)} nonzero weights of {MathText.Int(c.Model.InputSizeOf(l) * c.Model.Layers[l].Size)}, {MathText.Int(pattern.Computed.Count(computed => computed))} of {MathText.Int(pattern.Computed.Length)} neurons computed.");
        for (int m = 0; m < methods; m++)
        {
            w.Line($"Dense{n}SparseRows{MathText.Int(m)}(ref wr, ref {TypeNames.MemoryMarshal}.GetReference({x}), ref {TypeNames.MemoryMarshal}.GetReference({a}));");
        }
    }

    /// <summary>The row methods of every sparse layer.</summary>
    public static void WriteMethods(SourceWriter w, EmitContext c)
    {
        for (int l = 0; l < c.Model.Layers.Count; l++)
        {
            if (c.Plan.Sparse[l] is not { } pattern)
            {
                continue;
            }

            var methods = Methods(c, l, pattern);
            for (int m = 0; m < methods.Count; m++)
            {
                WriteMethod(w, c, l, m, methods[m]);
            }
        }
    }

    // Blocks of up to eight computed rows, grouped into methods of at most MaxSparseTermsPerMethod terms.
    private static List<List<int[]>> Methods(EmitContext c, int l, SparseLayerPattern pattern)
    {
        var blocks = new List<int[]>();
        var rows = Enumerable.Range(0, pattern.Columns.Length).Where(j => pattern.Computed[j]).ToList();
        for (int i = 0; i < rows.Count; i += EmissionLimits.SparseRowsPerBlock)
        {
            blocks.Add(rows.Skip(i).Take(EmissionLimits.SparseRowsPerBlock).ToArray());
        }

        var methods = new List<List<int[]>>();
        int terms = 0;
        foreach (var block in blocks)
        {
            int blockTerms = block.Sum(j => pattern.Columns[j].Length);
            if (methods.Count == 0 || terms + blockTerms > EmissionLimits.MaxSparseTermsPerMethod)
            {
                methods.Add([]);
                terms = 0;
            }

            methods[methods.Count - 1].Add(block);
            terms += blockTerms;
        }

        return methods;
    }

    private static void WriteMethod(SourceWriter w, EmitContext c, int l, int m, List<int[]> blocks)
    {
        var model = c.Model;
        var layer = model.Layers[l];
        var activation = Activations.Of(layer);
        var pattern = c.Plan.Sparse[l]!;
        string t = c.T;
        string n = MathText.Int(l + 1);
        int inputs = model.InputSizeOf(l);
        int weights = model.WeightsOffsetOf(l);
        int biases = model.BiasesOffsetOf(l);
        string fma = (c.IsDouble ? "global::System.Math" : "global::System.MathF") + ".FusedMultiplyAdd";
        string first = MathText.Int(blocks[0][0]);
        string last = MathText.Int(blocks[blocks.Count - 1][blocks[blocks.Count - 1].Length - 1]);
        w.Line();
        w.Line($"// Dense layer {n}, rows {first} to {last}: z_j = Σ_k W{MathText.Sup(l + 1)}[j, k] a_k + b_j over the nonzero W{MathText.Sup(l + 1)}[j, k] of the baked weights only.");
        w.Open($"private static void Dense{n}SparseRows{MathText.Int(m)}(ref {t} w, ref {t} x, ref {t} a)");
        bool firstBlock = true;
        foreach (int[] block in blocks)
        {
            if (!firstBlock)
            {
                w.Line();
            }

            firstBlock = false;
            w.Open();
            for (int r = 0; r < block.Length; r++)
            {
                w.Line($"{t} z{MathText.Int(r)} = {TypeNames.Unsafe}.Add(ref w, {MathText.Int(biases + block[r])});");
            }

            // Column by column over the block's rows; each row's own terms stay in ascending column order.
            var columns = block.SelectMany(j => pattern.Columns[j]).Distinct().OrderBy(k => k).ToList();
            bool declared = false;
            foreach (int k in columns)
            {
                var users = Enumerable.Range(0, block.Length).Where(r => System.Array.BinarySearch(pattern.Columns[block[r]], k) >= 0).ToList();
                w.Line($"{(declared ? string.Empty : t + " ")}xk = {TypeNames.Unsafe}.Add(ref x, {MathText.Int(k)});");
                declared = true;
                foreach (int r in users)
                {
                    string z = "z" + MathText.Int(r);
                    w.Line($"{z} += xk * {TypeNames.Unsafe}.Add(ref w, {MathText.Int(weights + (block[r] * inputs) + k)});");
                }
            }

            for (int r = 0; r < block.Length; r++)
            {
                string z = "z" + MathText.Int(r);
                w.Line($"{TypeNames.Unsafe}.Add(ref a, {MathText.Int(block[r])}) = {(activation.IsElementwise ? activation.Forward(c.Math, layer, z) : z)};");
            }

            w.Close();
        }

        w.Close();
    }
}
