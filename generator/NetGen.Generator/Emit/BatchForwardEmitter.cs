namespace NetGen.Generator.Emit;

/// <summary>
/// Writes batched inference for networks whose plan gives them a block kernel (<see cref="EmissionPlan.HasBatchKernel"/>):
/// <c>IBatchForward&lt;float&gt;.ForwardChunk</c>, which <c>InferenceWorkspace</c> calls with a block of samples. Each
/// layer runs over the whole block through the register-blocked matrix kernels training uses (four rows by three
/// samples per call), in their 512-bit form where the CPU accelerates it, with the bias and the activation applied to
/// the vector of results before it is stored; hidden activations alternate between the two halves of the workspace's
/// scratch.
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
            TrainingEmitter.WriteFloatWeightedInputs(w, c, l, "x" + MathText.Int(l), target, fuseActivation: activation.IsElementwise, inference: true);
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
}
