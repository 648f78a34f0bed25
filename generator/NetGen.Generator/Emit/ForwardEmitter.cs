using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes single-sample inference, <c>Forward</c>, on the path the emission plan chose: unrolled straight-line code
/// (<see cref="UnrolledForwardEmitter"/>), hidden activations in registers (<see cref="RegisterForwardEmitter"/>), or
/// loops over neurons with fixed-length vector dot products and hidden activations in scratch memory (here). The method
/// allocates nothing (once a pool is warm, for the widest layers) and touches no shared state.
/// </summary>
internal static class ForwardEmitter
{
    public static void Write(SourceWriter w, EmitContext c)
    {
        w.Block($"""

            /// <summary>
            /// Computes the output a^L for one sample with the whole network (no dropout). Allocates nothing and writes nothing
            /// shared, so any number of threads may call it at once while no one changes the parameters.
            /// </summary>
            /// <param name="input">The sample, <see cref="InputSize"/> features.</param>
            /// <param name="output">Receives the <see cref="OutputSize"/> outputs; must not overlap <paramref name="input"/>.</param>
            /// <exception cref="{TypeNames.ArgumentException}">A span has the wrong length, or the two overlap.</exception>
            """);
        if (c.Plan.Forward != ForwardPath.Unrolled)
        {
            // Never inlined into a caller: when the JIT inlines this method (a hot call site under dynamic PGO does), the
            // caller's inlining budget runs out before the kernels below, and calls to them are no longer inlined.
            // Straight-line tiny networks have nothing to lose and measured faster inlined.
            w.Line(TypeNames.NoInlining);
        }

        w.Open($"public void Forward({TypeNames.ReadOnlySpan}<{c.T}> input, {TypeNames.Span}<{c.T}> output)");
        // Throwing here rather than calling a checker keeps nothing alive across a call, so the method saves no registers.
        w.Block($"""
            if (input.Length != InputSize) throw {TypeNames.NetworkGuard}.WrongLength(input.Length, InputSize, nameof(input), "input features");
            if (output.Length != OutputSize) throw {TypeNames.NetworkGuard}.WrongLength(output.Length, OutputSize, nameof(output), "outputs");
            if ({TypeNames.NetworkGuard}.Overlap(input, output)) throw {TypeNames.NetworkGuard}.OverlapException();
            """);
        switch (c.Plan.Forward)
        {
            case ForwardPath.Unrolled:
                UnrolledForwardEmitter.Write(w, c);
                break;
            case ForwardPath.RegisterResident:
                w.Line($"{TypeNames.ReadOnlySpan}<{c.T}> w = _parameters.Span;");
                RegisterForwardEmitter.Write(w, c);
                break;
            case ForwardPath.CompressedWeights:
                CompressedWeightsEmitter.WriteForward(w, c);
                break;
            case ForwardPath.Sparse:
                WriteSparse(w, c);
                break;
            default:
                w.Line($"{TypeNames.ReadOnlySpan}<{c.T}> w = _parameters.Span;");
                WriteLooped(w, c);
                break;
        }

        w.Close();
        if (c.Plan.Forward == ForwardPath.Sparse)
        {
            SparseForwardEmitter.WriteMethods(w, c);
        }
    }

    // The looped forward, with the layers the plan writes sparse replaced by calls of their row methods.
    private static void WriteSparse(SourceWriter w, EmitContext c)
    {
        bool anyDense = c.Plan.Sparse.Any(p => p is null);
        if (anyDense)
        {
            w.Line($"{TypeNames.ReadOnlySpan}<{c.T}> w = _parameters.Span;");
        }

        w.Line($"ref {c.T} wr = ref _parameters.Reference;");
        WriteOverScratch(w, c, (l, x, a) =>
        {
            if (c.Plan.Sparse[l] is not null)
            {
                SparseForwardEmitter.WriteCalls(w, c, l, x, a);
            }
            else if (c.IsDouble)
            {
                WriteDoubleLayer(w, c, l, x, a);
            }
            else
            {
                WriteFloatLayer(w, c, l, x, a);
            }
        });
    }

    // Layers alternate between two scratch spans (even and odd layers), the last writing the output.
    private static void WriteLooped(SourceWriter w, EmitContext c) =>
        WriteOverScratch(w, c, (l, x, a) =>
        {
            if (c.IsDouble)
            {
                WriteDoubleLayer(w, c, l, x, a);
            }
            else
            {
                WriteFloatLayer(w, c, l, x, a);
            }
        });

    /// <summary>
    /// The layers in order over two scratch spans (even and odd layers, on the stack or pooled), the last writing the
    /// output: <paramref name="layer"/> writes layer l's activations from x into a, then a softmax follows where the layer
    /// has one.
    /// </summary>
    internal static void WriteOverScratch(SourceWriter w, EmitContext c, System.Action<int, string, string> layer)
    {
        var model = c.Model;
        string t = c.T;
        string hidden = MathText.Int(c.Plan.HiddenScratch);
        bool pooled = c.Plan.HiddenScratch > 0 && !c.Plan.HiddenOnStack;
        if (c.Plan.HiddenScratch > 0 && c.Plan.HiddenOnStack)
        {
            w.Block($"""
                {TypeNames.Span}<{t}> even = stackalloc {t}[{hidden}];
                {TypeNames.Span}<{t}> odd = stackalloc {t}[{hidden}];
                """);
        }
        else if (pooled)
        {
            w.Block($"""
                // Too wide for the stack: pooled arrays keep the call allocation-free once the pool is warm.
                {t}[] evenArray = {TypeNames.ArrayPool}<{t}>.Shared.Rent({hidden});
                {t}[] oddArray = {TypeNames.ArrayPool}<{t}>.Shared.Rent({hidden});
                {TypeNames.Span}<{t}> even = evenArray;
                {TypeNames.Span}<{t}> odd = oddArray;
                """);
            w.Open("try");
        }

        string x = "input";
        for (int l = 0; l < model.Layers.Count; l++)
        {
            string a = l == model.Layers.Count - 1 ? "output" : (l % 2 == 0 ? "even" : "odd");
            w.Line();
            CodeText.LayerComment(w, model, l);
            layer(l, x, a);

            if (!Activations.Of(model.Layers[l]).IsElementwise)
            {
                SoftmaxEmitter.WriteOverSpan(w, c.Math, a, "0", $"Dense{MathText.Int(l + 1)}Size", model.Layers[l].Size);
            }

            x = a;
        }

        if (pooled)
        {
            w.Close();
            w.Open("finally");
            w.Block($"""
                {TypeNames.ArrayPool}<{t}>.Shared.Return(evenArray);
                {TypeNames.ArrayPool}<{t}>.Shared.Return(oddArray);
                """);
            w.Close();
        }
    }

    private static void WriteDoubleLayer(SourceWriter w, EmitContext c, int l, string x, string a)
    {
        var layer = c.Model.Layers[l];
        var activation = Activations.Of(layer);
        string n = MathText.Int(l + 1);
        int inputs = c.Model.InputSizeOf(l);
        w.Open($"for (int j = 0; j < Dense{n}Size; j++)");
        w.Line($"{c.T} z = {c.Kernels.Dot(inputs)}(w, Dense{n}WeightsOffset + j * {MathText.Int(inputs)}, {x}, 0) + w[Dense{n}BiasesOffset + j];");
        w.Line($"{a}[j] = {(activation.IsElementwise ? activation.Forward(c.Math, layer, "z") : "z")};");
        w.Close();
    }

    // Eight neurons at a time: eight dot products side by side, bias and activation fused on the vector of results.
    private static void WriteFloatLayer(SourceWriter w, EmitContext c, int l, string x, string a)
    {
        var layer = c.Model.Layers[l];
        var activation = Activations.Of(layer);
        string n = MathText.Int(l + 1);
        int inputs = c.Model.InputSizeOf(l);
        int blocks = layer.Size / 8 * 8;
        string inputsText = MathText.Int(inputs);
        if (blocks > 0)
        {
            w.Open($"for (int j = 0; j < {MathText.Int(blocks)}; j += 8)");
            w.Line($"{TypeNames.Vector256Float} z = {c.FloatKernels.DotRows8(inputs)}(w, Dense{n}WeightsOffset + j * {inputsText}, {x}, 0) + Load8(w, Dense{n}BiasesOffset + j);");
            w.Line($"Store8({(activation.IsElementwise ? activation.Forward(MathText.Vector256, layer, "z") : "z")}, {a}, j);");
            w.Close();
        }

        if (blocks < layer.Size)
        {
            w.Open($"for (int j = {MathText.Int(blocks)}; j < Dense{n}Size; j++)");
            w.Line($"float z = {c.FloatKernels.Dot(inputs)}(w, Dense{n}WeightsOffset + j * {inputsText}, {x}, 0) + w[Dense{n}BiasesOffset + j];");
            w.Line($"{a}[j] = {(activation.IsElementwise ? activation.Forward(c.Math, layer, "z") : "z")};");
            w.Close();
        }
    }
}
