using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;
using NetGen.Generator.Weights;

namespace NetGen.Generator;

/// <summary>
/// The NetGen source generator: for every <c>[Network]</c> partial class it emits fixed-size forward and backward pass
/// code. The pipeline reads top to bottom: syntax (attributed declarations) → model (plain equatable data) →
/// diagnostics and emitted source, as two separate outputs so a diagnostic change never re-emits code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeNames.Network,
                static (node, _) => IsClassDeclaration(node),
                static (syntaxContext, cancellationToken) => NetworkParser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // [Network(Weights = "…")]: the weights files among the additional files, as equatable data, resolved per network.
        var weightsFiles = context.AdditionalTextsProvider
            .Where(static text => WeightsReader.IsCandidate(text))
            .Select(static (text, cancellationToken) => WeightsReader.Read(text, cancellationToken))
            .WithTrackingName(TrackingNames.WeightsFiles)
            .Collect();
        var resolved = parsed
            .Combine(weightsFiles)
            .Select(static (pair, cancellationToken) => WeightsBaker.Resolve(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.Weights);

        var models = resolved
            .Select(static (result, _) => result.Model)
            .Where(static model => model is not null)
            .WithTrackingName(TrackingNames.Model);

        // Hint names must be unique ignoring case across all networks, so they are assigned over the set of networks;
        // the table changes only when networks are added, removed or renamed, so editing one network re-emits only it.
        var hintNames = models
            .Collect()
            .Select(static (all, _) => HintNames.Assign(all))
            .WithTrackingName(TrackingNames.HintNames);
        var emissions = models
            .Combine(hintNames)
            .Select(static (pair, _) => HintNames.For(pair.Left!, pair.Right))
            .WithTrackingName(TrackingNames.Emission);
        context.RegisterSourceOutput(emissions, static (output, request) => EmitSource(output, request));

        var diagnostics = resolved
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, list) => Report(output, list));

        RegisterOrphanCheck(context, AttributeNames.Input, "Input", TrackingNames.OrphanInput);
        RegisterOrphanCheck(context, AttributeNames.Dense, "Dense", TrackingNames.OrphanDense);
        RegisterOrphanCheck(context, AttributeNames.Dropout, "Dropout", TrackingNames.OrphanDropout);
    }

    private static bool IsClassDeclaration(SyntaxNode node) =>
        node is ClassDeclarationSyntax
        || (node is RecordDeclarationSyntax record && !record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword));

    private static void RegisterOrphanCheck(IncrementalGeneratorInitializationContext context, string metadataName, string shortName, string trackingName)
    {
        var orphans = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                metadataName,
                static (node, _) => IsClassDeclaration(node),
                (syntaxContext, cancellationToken) => OrphanLayerParser.Find(syntaxContext, shortName, cancellationToken))
            .WithTrackingName(trackingName);
        context.RegisterSourceOutput(orphans, static (output, list) => Report(output, list));
    }

    private static void Report(SourceProductionContext output, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            output.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    private static void EmitSource(SourceProductionContext output, EmissionRequest request)
    {
        var model = request.Model;
        try
        {
            string source = NetworkEmitter.Emit(model);
            string? weights = model.Weights is null ? null : BakedWeightsEmitter.EmitData(model);
            output.AddSource(request.HintName, source);
            if (weights is not null && request.WeightsHintName is not null)
            {
                output.AddSource(request.WeightsHintName, weights);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, model.DisplayName, exception.GetType().Name + ": " + exception.Message));
        }
    }
}
