using System.Linq;

namespace NetGen.Generator.Emit;

/// <summary>
/// Writes batched inference for networks whose plan gives them a block kernel (<see cref="EmissionPlan.HasBatchKernel"/>):
/// <c>IBatchForward&lt;float&gt;.ForwardChunk</c>, which <c>InferenceWorkspace</c> calls with a block of samples. Each
/// layer runs over the whole block through register-blocked matrix kernels, with the bias and the activation applied to
/// the vector of results before it is stored: where the CPU accelerates 512-bit vectors, eight rows by three samples
/// per call (<see cref="FloatKernelEmitter.WideRows"/>); elsewhere the 256-bit kernels training uses, four rows by three
/// samples. Hidden activations alternate between the two halves of the workspace's scratch.
/// </summary>
internal static class BatchForwardEmitter
{
    public static void Write(SourceWriter w, EmitContext c)
    {
        var model = c.Model;
        string t = c.T;
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"void {TypeNames.IBatchForward}<{t}>.ForwardChunk({TypeNames.ReadOnlySpan}<{t}> inputs, {TypeNames.Span}<{t}> outputs, {TypeNames.Span}<{t}> scratch)");
        w.Block($"""
            // InferenceWorkspace has checked the spans: whole samples, matching outputs, scratch for two blocks of the widest
            // hidden layer.
            int batch = inputs.Length / InputSize;
            {TypeNames.ReadOnlySpan}<{t}> w = _parameters.Span;
            """);
        if (model.Layers.Count > 1)
        {
            string hidden = MathText.Int(c.Plan.HiddenScratch);
            w.Block($"""
                {TypeNames.Span}<{t}> even = scratch.Slice(0, batch * {hidden});
                {TypeNames.Span}<{t}> odd = scratch.Slice(batch * {hidden}, batch * {hidden});
                """);
        }

        w.Line($"{TypeNames.ReadOnlySpan}<{t}> x0 = inputs;");
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            bool isOutput = l == model.Layers.Count - 1;
            string target = isOutput ? "outputs" : (l % 2 == 0 ? "even" : "odd");
            var activation = Activations.Of(layer);
            w.Line();
            CodeText.LayerComment(w, model, l, ", for every sample of the block");
            w.Open($"if ({TypeNames.Vector512}.IsHardwareAccelerated)");
            WriteWideWeightedInputs(w, c, l, "x" + MathText.Int(l), target, fuseActivation: activation.IsElementwise);
            w.Close();
            w.Open("else");
            TrainingEmitter.WriteFloatWeightedInputs(w, c, l, "x" + MathText.Int(l), target, fuseActivation: activation.IsElementwise, inference: true);
            w.Close();
            if (!activation.IsElementwise)
            {
                w.Open("for (int s = 0; s < batch; s++)");
                SoftmaxEmitter.WriteOverSpan(w, c.Math, target, $"s * {MathText.Int(layer.Size)}", MathText.Int(layer.Size), layer.Size);
                w.Close();
            }

            if (!isOutput)
            {
                w.Line($"{TypeNames.ReadOnlySpan}<{t}> x{MathText.Int(l + 1)} = {target};");
            }
        }

        w.Close();
    }

    // z = W x + b for the whole block with 512-bit kernels: blocks of eight rows (then one block of the rest), each
    // kernel call three samples of the block (then two or one), the bias added and the activation applied to a sample's
    // vector of row sums before it is stored.
    private static void WriteWideWeightedInputs(SourceWriter w, EmitContext c, int l, string x, string target, bool fuseActivation)
    {
        var layer = c.Model.Layers[l];
        int rows8 = layer.Size / 8 * 8;
        if (rows8 > 0)
        {
            w.Open($"for (int j = 0; j < {MathText.Int(rows8)}; j += 8)");
            WriteWideRowBlock(w, c, l, x, target, fuseActivation, 8);
            w.Close();
        }

        if (rows8 < layer.Size)
        {
            w.Open();
            w.Line($"const int j = {MathText.Int(rows8)};");
            WriteWideRowBlock(w, c, l, x, target, fuseActivation, layer.Size - rows8);
            w.Close();
        }
    }

    private static void WriteWideRowBlock(SourceWriter w, EmitContext c, int l, string x, string target, bool fuseActivation, int rows)
    {
        var layer = c.Model.Layers[l];
        var activation = Activations.Of(layer);
        bool activate = fuseActivation && !activation.IsIdentity;
        string n = MathText.Int(l + 1);
        string inputs = MathText.Int(c.Model.InputSizeOf(l));
        string type = FloatKernelEmitter.WideRowsResult(rows);
        string vector = rows > 4 ? TypeNames.Vector256 : TypeNames.Vector128;
        int lanes = rows > 4 ? 8 : 4;
        string biases = $"{TypeNames.MemoryMarshal}.GetReference(w)";
        w.Line(rows == lanes
            ? $"{type} bias = {vector}.LoadUnsafe(ref {biases}, (nuint)(Dense{n}BiasesOffset + j));"
            : $"{type} bias = {vector}.Create({string.Join(", ", Enumerable.Range(0, lanes).Select(r => r < rows ? $"w[Dense{n}BiasesOffset + j + {MathText.Int(r)}]" : "0f"))});");
        w.Line("int s = 0;");
        for (int samples = 3; samples >= 1; samples--)
        {
            w.Open(samples == 3 ? "for (; s + 2 < batch; s += 3)" : samples == 2 ? "if (batch - s == 2)" : "else if (batch - s == 1)");
            string outs = string.Concat(Enumerable.Range(1, samples - 1).Select(i => $", out {type} z{MathText.Int(i)}"));
            w.Line($"{type} z0 = {c.FloatKernels.WideRows(rows, samples, c.Model.InputSizeOf(l))}(w, Dense{n}WeightsOffset + j * {inputs}, {x}, s * {inputs}{outs});");
            for (int i = 0; i < samples; i++)
            {
                string z = $"z{MathText.Int(i)}";
                w.Line($"{z} += bias;");
                if (activate)
                {
                    w.Line($"{z} = {activation.Forward(rows > 4 ? MathText.Vector256 : MathText.Vector128, layer, z)};");
                }

                WriteRowStore(w, target, layer.Size, rows, lanes, vector, z, $"s + {MathText.Int(i)}");
            }

            w.Close();
        }
    }

    // One sample's row sums into target[sample, j ..]: a whole vector when the rows fill it, else lane by lane.
    private static void WriteRowStore(SourceWriter w, string target, int size, int rows, int lanes, string vector, string z, string sample)
    {
        string at = $"({sample}) * {MathText.Int(size)} + j";
        if (rows == lanes)
        {
            w.Line($"{vector}.StoreUnsafe({z}, ref {TypeNames.MemoryMarshal}.GetReference({target}), (nuint)({at}));");
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            w.Line($"{target}[{at} + {MathText.Int(r)}] = {vector}.GetElement({z}, {MathText.Int(r)});");
        }
    }
}
