using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;
using NetGen.Generator.Shared;
using NetGen.Generator.Shared.Onnx;
using NetGen.Generator.Weights;

namespace NetGen.Generator.Onnx;

/// <summary>
/// Resolves <c>[Network(Onnx = "…")]</c>: finds the one matching additional file and turns the network the shared
/// recognizer found in it into the model a declaration with the same layers and baked weights has, so the emitters write
/// exactly that network: its input size, dense layers, activations (with their exact slope and α), dropout and loss from
/// the model (a <c>Loss</c> or <c>Precision</c> on the attribute overrides the model's), and its parameters converted to
/// the network's precision as <c>OnnxImporter.LoadInto</c> converts them; <c>InferenceWeights</c> compresses the baked
/// weights exactly as for a declared network with <c>Weights</c>. Every way the model can fail is a diagnostic on
/// the <c>Onnx</c> argument (NG0040–NG0046, or the architecture rule's own ID); nothing here throws for a bad model.
/// </summary>
internal static class OnnxNetworkResolver
{
    private const string Loader = "OnnxImporter.LoadInto";

    public static ParseResult Resolve(ParseResult parsed, ImmutableArray<OnnxInput> inputs, CancellationToken cancellationToken)
    {
        if (parsed.Onnx is not { } request)
        {
            return parsed;
        }

        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        NetworkModel? model;
        try
        {
            model = Import(request, inputs, diagnostics, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, request.Location, request.TypeName, exception.GetType().Name + ": " + exception.Message));
            model = null;
        }

        return new ParseResult(model, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
    }

    private static NetworkModel? Import(OnnxRequest request, ImmutableArray<OnnxInput> inputs, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var input = Find(request, inputs, diagnostics);
        if (input is null)
        {
            return null;
        }

        if (!input.IsConverted)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelNotConverted, request.Location, input.SourcePath));
            return null;
        }

        if (input.InternalError.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, request.Location, request.TypeName, input.InternalError));
            return null;
        }

        if (input.Problem.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelUnreadable, request.Location, request.Name, "the build step's text copy of it is damaged: " + input.Problem));
            return null;
        }

        if (input.Network is not { } network)
        {
            diagnostics.Add(Diagnose(input.Failure ?? new OnnxReadFailure(OnnxImportProblem.InvalidModel, "The reader found no network and gave no reason", null), request));
            return null;
        }

        var precision = request.ExplicitPrecision ?? network.Precision;
        var loss = request.ExplicitLoss.HasValue ? request.ExplicitLoss : network.Loss;
        var layers = network.Layers.Select(ToModel).ToArray();
        if (!CheckRules(request, network, layers, loss, precision, diagnostics))
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var bytes = Convert(network, precision == PrecisionKind.Double, out string problem);
        if (bytes is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxWeightNotFinite, request.Location, request.Name, problem));
            return null;
        }

        string source = "ONNX opset " + network.Opset.ToString(CultureInfo.InvariantCulture) + (network.Producer.Length > 0 ? ", " + network.Producer : string.Empty);
        var weights = new BakedWeightsModel(request.Name, input.Sha256, source, new ByteBlob(bytes), Scaler: null, Loader);
        var import = new OnnxImportModel(
            CommentText(request.Name),
            CommentText(network.Producer),
            network.Opset,
            new EquatableArray<string>(network.Notes.Select(CommentText).ToArray()));
        return new NetworkModel(
            request.Namespace,
            request.TypeName,
            request.TypeKeyword,
            network.InputSize,
            network.InputKeepProbability,
            new EquatableArray<DenseLayerModel>(layers),
            loss,
            precision,
            weights,
            request.InferenceWeights,
            import,
            request.Sparse);
    }

    // Exactly one additional file must match; the same file listed twice is one file, and a converted container hides the
    // raw item it was made from.
    private static OnnxInput? Find(OnnxRequest request, ImmutableArray<OnnxInput> inputs, List<DiagnosticInfo> diagnostics)
    {
        var containers = inputs
            .Where(i => i.IsConverted && WeightsContainer.Matches(request.Name, i.SourcePath))
            .GroupBy(i => i.SourcePath, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First())
            .ToList();
        var raw = inputs.Where(i => !i.IsConverted && WeightsContainer.Matches(request.Name, i.SourcePath)
            && !containers.Any(c => string.Equals(c.SourcePath, i.SourcePath, StringComparison.OrdinalIgnoreCase))).ToList();
        var matches = containers.Concat(raw).ToList();
        if (matches.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelNotFound, request.Location, request.Name, request.TypeName));
            return null;
        }

        if (matches.Count > 1)
        {
            string listed = string.Join(", ", matches.Select(m => "'" + m.SourcePath + "'"));
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelAmbiguous, request.Location, request.Name, matches.Count.ToString(CultureInfo.InvariantCulture), listed));
            return null;
        }

        return matches[0];
    }

    /// <summary>The diagnostic for a model the shared reader or recognizer refused, with the importer's own words.</summary>
    private static DiagnosticInfo Diagnose(OnnxReadFailure error, OnnxRequest request)
    {
        string detail = error.Message + " (" + error.Problem + ")";
        switch (error.Problem)
        {
            case OnnxImportProblem.NonFiniteValue:
                return DiagnosticInfo.Create(DiagnosticDescriptors.OnnxWeightNotFinite, request.Location, request.Name, error.Message);
            case OnnxImportProblem.MetadataMismatch:
                return DiagnosticInfo.Create(DiagnosticDescriptors.OnnxMetadataMismatch, request.Location, request.Name, error.Message);
            case OnnxImportProblem.ArchitectureRule when error.RuleActivation is ActivationKind.LeakyReLU or ActivationKind.ELU:
                var rule = error.RuleActivation == ActivationKind.LeakyReLU ? NetworkRule.LeakySlope : NetworkRule.Alpha;
                return DiagnosticInfo.Create(DiagnosticDescriptors.ForRule(rule), request.Location, BrokenByModel(request, error.Message));
            case OnnxImportProblem.UnsupportedOperator:
            case OnnxImportProblem.UnsupportedUse:
            case OnnxImportProblem.BranchingGraph:
            case OnnxImportProblem.WeightShape:
            case OnnxImportProblem.MissingInitializer:
            case OnnxImportProblem.ArchitectureRule:
            case OnnxImportProblem.NetworkMismatch:
                return DiagnosticInfo.Create(DiagnosticDescriptors.OnnxGraphNotANetwork, request.Location, request.Name, detail);
            default:
                return DiagnosticInfo.Create(DiagnosticDescriptors.OnnxModelUnreadable, request.Location, request.Name, detail);
        }
    }

    /// <summary>
    /// Checks the network with the shared rules, as <c>NetworkSpec</c> does for the run-time import. A rule the attribute's
    /// own Loss or Precision breaks is reported on that argument in the words a declared network gets; one the model
    /// breaks, on the Onnx argument, saying so.
    /// </summary>
    private static bool CheckRules(OnnxRequest request, OnnxNetworkDescription network, DenseLayerModel[] layers, LossKind? loss, PrecisionKind precision, List<DiagnosticInfo> diagnostics)
    {
        var facts = layers.Select(l => new DenseLayerFacts(l.Size, l.Activation, l.LeakySlope, l.Alpha, l.KeepProbability)).ToArray();
        bool valid = true;
        foreach (var violation in NetworkRules.Check(network.InputSize, network.InputKeepProbability, facts, loss, precision))
        {
            valid = false;
            var descriptor = DiagnosticDescriptors.ForRule(violation.Rule);
            bool byLoss = request.ExplicitLoss.HasValue && violation.Rule is NetworkRule.UndefinedLoss or NetworkRule.LossMismatch or NetworkRule.StepWithLoss;
            bool byPrecision = request.ExplicitPrecision.HasValue && violation.Rule is NetworkRule.UndefinedPrecision;
            diagnostics.Add(byLoss || byPrecision
                ? DiagnosticInfo.Create(descriptor, (byLoss ? request.LossLocation : request.PrecisionLocation) ?? request.Location, violation.Message)
                : DiagnosticInfo.Create(descriptor, request.Location, BrokenByModel(request, violation.Message)));
        }

        // Compressed inference weights need single precision: the model's, or the one the attribute sets (NG0030, or
        // NG0020 for an undefined format), on the InferenceWeights argument as for a declared network.
        if (NetworkRules.CheckInferenceWeights(request.InferenceWeights, precision) is { } weights)
        {
            valid = false;
            var descriptor = weights.Rule == NetworkRule.UndefinedWeightFormat ? DiagnosticDescriptors.UndefinedEnumValue : DiagnosticDescriptors.CompressedWeightsNeedSinglePrecision;
            diagnostics.Add(DiagnosticInfo.Create(descriptor, request.InferenceWeightsLocation ?? request.Location, weights.Message));
        }

        return valid;
    }

    private static string BrokenByModel(OnnxRequest request, string message) =>
        $"The network the ONNX model '{request.Name}' computes breaks a NetGen rule: {message}";

    // The declared twin's layer: the slope and α only where the activation has them, as [Dense] leaves the defaults.
    private static DenseLayerModel ToModel(OnnxDenseLayer layer) => new(
        layer.Size,
        layer.Activation,
        layer.Activation == ActivationKind.LeakyReLU ? layer.LeakySlope : NetworkRules.DefaultLeakySlope,
        layer.KeepProbability,
        layer.Activation == ActivationKind.ELU ? layer.Alpha : NetworkRules.DefaultAlpha);

    /// <summary>
    /// The parameters in the network's precision as little-endian bytes: exact in double; in single precision each
    /// rounded to nearest, as <c>ImportedModel</c> converts them, and refused where that overflows.
    /// </summary>
    private static byte[]? Convert(OnnxNetworkDescription network, bool toDouble, out string problem)
    {
        var parameters = network.Parameters;
        byte[] bytes;
        int width;
        if (toDouble)
        {
            bytes = MemoryMarshal.AsBytes(parameters.AsSpan()).ToArray();
            width = sizeof(double);
        }
        else
        {
            var singles = new float[parameters.Length];
            for (int i = 0; i < singles.Length; i++)
            {
                singles[i] = (float)parameters[i];
                if (float.IsInfinity(singles[i]) || float.IsNaN(singles[i]))
                {
                    problem = network.TooLarge(i, "Single");
                    return null;
                }
            }

            bytes = MemoryMarshal.AsBytes(singles.AsSpan()).ToArray();
            width = sizeof(float);
        }

        if (!BitConverter.IsLittleEndian)
        {
            for (int at = 0; at < bytes.Length; at += width)
            {
                Array.Reverse(bytes, at, width);
            }
        }

        problem = string.Empty;
        return bytes;
    }

    // Text from the model goes into comments of the generated file: a line break in it must not end the comment.
    private static string CommentText(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            result.Append(char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085' ? '?' : c);
        }

        return result.ToString();
    }
}
