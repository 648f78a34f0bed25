using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Shared;

namespace NetGen.Generator.Parsing;

/// <summary>
/// Turns a <c>[Network]</c> declaration into a <see cref="NetworkModel"/> and its diagnostics. This is the only stage that
/// sees symbols and syntax; everything it returns is plain data. What the attributes' order and syntax decide (one
/// <c>[Input]</c>, first; where each <c>[Dropout]</c> stands) is checked here; the architecture itself is checked by
/// <see cref="NetworkRules"/>, the runtime's own rules file, so a declaration compiles exactly when
/// <c>NetworkSpec</c> accepts the same network.
/// </summary>
internal static class NetworkParser
{
    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
        {
            return ParseResult.Nothing;
        }

        try
        {
            return Parse(type, declaration, context.SemanticModel, context.Attributes, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A generator that throws yields CS8785 and silently no code; an explicit NG9999 at least says where.
            var diagnostic = DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, LocationInfo.From(declaration.Identifier), type.Name, exception.GetType().Name + ": " + exception.Message);
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
        }
    }

    private static ParseResult Parse(
        INamedTypeSymbol type,
        TypeDeclarationSyntax declaration,
        SemanticModel semanticModel,
        IReadOnlyList<AttributeData> networkAttributes,
        CancellationToken cancellationToken)
    {
        var networkAttribute = networkAttributes.FirstOrDefault();
        if (networkAttribute is null || !IsFirstNetworkDeclaration(type, declaration))
        {
            // [Network] on several partial declarations is the compiler's CS0579; generate from the first only.
            return ParseResult.Nothing;
        }

        var allAttributes = type.GetAttributes();
        if (CompilerReportsAnError(declaration, allAttributes, semanticModel, cancellationToken))
        {
            // A declaration being typed (no name yet, a half-written attribute, an argument of the wrong type): the
            // compiler reports it, and NetGen diagnostics or code computed from it would only bury that error.
            return ParseResult.Nothing;
        }

        var diagnostics = new List<DiagnosticInfo>();
        CheckTypeShape(type, declaration, LocationInfo.From(declaration.Identifier), diagnostics);

        var network = ReadNetworkAttribute(networkAttribute, cancellationToken, diagnostics);
        var layerAttributes = OrderedLayerAttributes(allAttributes, cancellationToken);
        if (network.Onnx is { } onnx)
        {
            return OnnxDeclaration(type, declaration, network, onnx, layerAttributes, diagnostics);
        }

        if (!AllOnOneDeclaration(layerAttributes, out var strayAttribute))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, strayAttribute, type.Name));
            return Result(null, diagnostics);
        }

        var layers = ReadLayers(type, layerAttributes, network, diagnostics, cancellationToken);
        var loss = EffectiveLoss(network, layers.Dense);
        ApplyRules(layers, network, loss, diagnostics);

        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
        {
            return Result(null, diagnostics);
        }

        string keyword = declaration is RecordDeclarationSyntax ? "record" : "class";
        var model = new NetworkModel(
            NamespaceOf(type),
            type.Name,
            keyword,
            layers.InputSize,
            layers.InputKeepProbability,
            new EquatableArray<DenseLayerModel>(layers.Dense.Select(l => l.ToModel()).ToArray()),
            loss,
            network.Precision,
            InferenceWeights: network.InferenceWeights,
            Sparse: network.Sparse);
        return new ParseResult(model, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()), network.Weights);
    }

    /// <summary>
    /// <c>[Network(Onnx = "…")]</c>: the layers and weights come from the model, which a later step reads
    /// (Onnx/OnnxNetworkResolver), so the declaration may state only the type, a Loss or Precision that overrides the
    /// model's, and InferenceWeights (checked against the precision once the model has given it).
    /// </summary>
    private static ParseResult OnnxDeclaration(INamedTypeSymbol type, TypeDeclarationSyntax declaration, NetworkArguments network, OnnxRequestSyntax onnx, List<LayerAttribute> layerAttributes, List<DiagnosticInfo> diagnostics)
    {
        if (layerAttributes.Count > 0)
        {
            var first = layerAttributes[0];
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersWithOnnx, first.Location ?? onnx.Location, type.Name, onnx.Name, first.Kind.ToString()));
        }

        if (network.Weights is { } weights)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.OnnxWithWeights, weights.Location, type.Name, onnx.Name, weights.Name));
        }

        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
        {
            return Result(null, diagnostics);
        }

        var request = new OnnxRequest(
            onnx.Name,
            onnx.Location,
            NamespaceOf(type),
            type.Name,
            declaration is RecordDeclarationSyntax ? "record" : "class",
            network.ExplicitLoss,
            network.LossLocation,
            network.PrecisionLocation is null ? null : network.Precision,
            network.PrecisionLocation,
            network.InferenceWeights,
            network.InferenceWeightsLocation,
            network.Sparse);
        return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()), Onnx: request);
    }

    private static ParseResult Result(NetworkModel? model, List<DiagnosticInfo> diagnostics) =>
        new(model, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));

    private static bool IsFirstNetworkDeclaration(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
    {
        var first = type.GetAttributes()
            .Where(a => AttributeNames.Is(a.AttributeClass, "NetworkAttribute"))
            .Select(a => a.ApplicationSyntaxReference)
            .FirstOrDefault(r => r is not null);
        return first is null
            || (first.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(first.Span));
    }

    /// <summary>
    /// Whether the compiler already reports an error that NetGen's view of the declaration would be built on: a missing
    /// name (of the type or of a namespace around it, <c>namespace namespace Models;</c>), a syntax error in the type's
    /// header or its NetGen attributes, or an attribute argument that does not bind (<c>[Network(Loss = 1)]</c> still
    /// yields a value, 1, together with CS0266).
    /// </summary>
    internal static bool CompilerReportsAnError(
        TypeDeclarationSyntax declaration, IEnumerable<AttributeData> attributes, SemanticModel semanticModel, CancellationToken cancellationToken)
    {
        if (declaration.Identifier.IsMissing
            || HasErrors(declaration.Identifier)
            || (declaration.TypeParameterList is { } typeParameters && HasErrors(typeParameters))
            || declaration.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Any(ns => HasErrors(ns.Name)))
        {
            return true;
        }

        foreach (var attribute in attributes)
        {
            if (!AttributeNames.IsNetGen(attribute.AttributeClass))
            {
                continue;
            }

            if (HasBindingErrors(attribute) || attribute.ApplicationSyntaxReference is not { } reference)
            {
                return true;
            }

            var syntax = reference.GetSyntax(cancellationToken);
            if (HasErrors(syntax))
            {
                return true;
            }

            if (syntax is AttributeSyntax { ArgumentList: { } arguments } && !ArgumentsConvert(arguments, syntax.SyntaxTree == semanticModel.SyntaxTree ? semanticModel : semanticModel.Compilation.GetSemanticModel(syntax.SyntaxTree), cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    // Whether every argument converts implicitly to its parameter or property. Asking only for the arguments' conversions
    // binds just the attribute, where the span's full diagnostics would also complete every other declaration of the file.
    private static bool ArgumentsConvert(AttributeArgumentListSyntax arguments, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var argument in arguments.Arguments)
        {
            var target = model.GetTypeInfo(argument.Expression, cancellationToken).ConvertedType;
            if (target is null or { TypeKind: TypeKind.Error } || model.ClassifyConversion(argument.Expression, target) is not { Exists: true, IsImplicit: true })
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasErrors(SyntaxNode node) =>
        node.ContainsDiagnostics && node.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);

    private static bool HasErrors(SyntaxToken token) =>
        token.ContainsDiagnostics && token.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);

    private static bool HasBindingErrors(AttributeData attribute) =>
        attribute.AttributeClass is null
        || attribute.AttributeClass.TypeKind == TypeKind.Error
        || attribute.AttributeConstructor is null
        || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error || a.Value is null && a.Kind != TypedConstantKind.Array)
        || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

    private static void CheckTypeShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, LocationInfo? identifier, List<DiagnosticInfo> diagnostics)
    {
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, identifier, type.Name));
        }

        if (type.ContainingType is { } container)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedType, identifier, type.Name, container.Name));
        }

        if (type.TypeParameters.Length > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, identifier, type.Name));
        }

        if (type.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, identifier, type.Name, "static"));
        }
        else if (declaration.Modifiers.Any(SyntaxKind.FileKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, identifier, type.Name, "file-local"));
        }

        if (GeneratedMemberNames.IsReserved(type.Name))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameOfGeneratedMember, identifier, type.Name));
        }

        if (type.ContainingNamespace is { IsGlobalNamespace: true } && Array.IndexOf(GeneratedMemberNames.RootNamespaces, type.Name) >= 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HidesRootNamespace, identifier, type.Name));
        }
    }

    // The namespace by its plain names (NetworkModel escapes them for code): "Models.event" for namespace Models.@event.
    private static string? NamespaceOf(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            names.Add(ns.Name);
        }

        names.Reverse();
        return names.Count == 0 ? null : string.Join(".", names);
    }

    private sealed class NetworkArguments
    {
        public Loss? ExplicitLoss { get; set; }

        public LocationInfo? LossLocation { get; set; }

        public Precision Precision { get; set; } = Precision.Single;

        public LocationInfo? PrecisionLocation { get; set; }

        public LocationInfo? AttributeLocation { get; set; }

        public WeightsRequest? Weights { get; set; }

        public WeightFormat InferenceWeights { get; set; } = WeightFormat.Float;

        public LocationInfo? InferenceWeightsLocation { get; set; }

        public OnnxRequestSyntax? Onnx { get; set; }

        public bool SparseInference { get; set; }

        public LocationInfo? SparseInferenceLocation { get; set; }

        public double? MaxSparseDensity { get; set; }

        public LocationInfo? MaxSparseDensityLocation { get; set; }

        /// <summary>What SparseInference asks for, once its arguments are valid (<see cref="CheckSparseInference"/>); null when off.</summary>
        public SparseInferenceModel? Sparse { get; set; }
    }

    /// <summary>The <c>Onnx</c> argument as written, and where.</summary>
    private sealed record OnnxRequestSyntax(string Name, LocationInfo? Location);

    private static NetworkArguments ReadNetworkAttribute(AttributeData attribute, CancellationToken cancellationToken, List<DiagnosticInfo> diagnostics)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var network = new NetworkArguments { AttributeLocation = LocationInfo.From(syntax) };
        network.LossLocation = network.AttributeLocation;
        foreach (var named in attribute.NamedArguments)
        {
            var argumentLocation = LocationInfo.From(NamedArgumentSyntax(syntax, named.Key)) ?? network.AttributeLocation;
            if (named.Key == "Loss" && named.Value.Value is int lossValue)
            {
                network.ExplicitLoss = (Loss)lossValue;
                network.LossLocation = argumentLocation;
            }
            else if (named.Key == "Weights" && named.Value.Value is string weightsFile)
            {
                // Resolved against the additional files in a later pipeline step (Weights/WeightsBaker).
                network.Weights = new WeightsRequest(weightsFile, argumentLocation);
            }
            else if (named.Key == "Onnx")
            {
                // Onnx = null names no file: NG0040, rather than a network with no layers.
                network.Onnx = new OnnxRequestSyntax(named.Value.Value as string ?? string.Empty, argumentLocation);
            }
            else if (named.Key == "Precision" && named.Value.Value is int precisionValue)
            {
                network.Precision = (Precision)precisionValue;
                network.PrecisionLocation = argumentLocation;
            }
            else if (named.Key == "InferenceWeights" && named.Value.Value is int formatValue)
            {
                network.InferenceWeights = (WeightFormat)formatValue;
                network.InferenceWeightsLocation = argumentLocation;
            }
            else if (named.Key == "SparseInference" && named.Value.Value is bool sparse)
            {
                network.SparseInference = sparse;
                network.SparseInferenceLocation = argumentLocation;
            }
            else if (named.Key == "MaxSparseDensity" && named.Value.Value is double density)
            {
                network.MaxSparseDensity = density;
                network.MaxSparseDensityLocation = argumentLocation;
            }
        }

        CheckSparseInference(network, diagnostics);
        return network;
    }

    /// <summary>
    /// SparseInference reads the sparsity pattern of baked float weights: it needs Weights or Onnx (NG0031) and float
    /// inference weights (NG0031); MaxSparseDensity is a share in [0, 1] (NG0032) and means nothing without it (NG0033).
    /// </summary>
    private static void CheckSparseInference(NetworkArguments network, List<DiagnosticInfo> diagnostics)
    {
        var densityLocation = network.MaxSparseDensityLocation ?? network.AttributeLocation;
        if (network.MaxSparseDensity is { } density && !(density >= 0.0 && density <= 1.0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SparseDensityOutOfRange, densityLocation, MathText.Number(density)));
            return;
        }

        if (!network.SparseInference)
        {
            if (network.MaxSparseDensity is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SparseDensityIgnored, densityLocation));
            }

            return;
        }

        var location = network.SparseInferenceLocation ?? network.AttributeLocation;
        if (network.Weights is null && network.Onnx is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SparseInferenceNeedsBakedFloatWeights, location,
                "SparseInference skips the weights that are zero in baked weights, and this network bakes none; name a weights file with Weights = \"…\" (or an ONNX model with Onnx = \"…\")"));
            return;
        }

        if (network.InferenceWeights is WeightFormat.Int8 or WeightFormat.BFloat16)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SparseInferenceNeedsBakedFloatWeights, location,
                $"SparseInference writes Forward over the float weights, and InferenceWeights = WeightFormat.{network.InferenceWeights} makes Forward read compressed ones; use one or the other"));
            return;
        }

        network.Sparse = new SparseInferenceModel(network.MaxSparseDensity ?? EmissionLimits.DefaultMaxSparseDensity);
    }

    private static AttributeArgumentSyntax? NamedArgumentSyntax(AttributeSyntax? syntax, string name) =>
        syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);

    private sealed class LayerAttribute
    {
        public LayerAttribute(LayerAttributeKind kind, AttributeData data, AttributeSyntax? syntax)
        {
            Kind = kind;
            Data = data;
            Syntax = syntax;
            Location = LocationInfo.From(syntax);
        }

        public LayerAttributeKind Kind { get; }

        public AttributeData Data { get; }

        public AttributeSyntax? Syntax { get; }

        public LocationInfo? Location { get; }
    }

    private static List<LayerAttribute> OrderedLayerAttributes(IEnumerable<AttributeData> attributes, CancellationToken cancellationToken)
    {
        var result = new List<LayerAttribute>();
        foreach (var attribute in attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (AttributeNames.LayerKind(attribute.AttributeClass) is { } kind)
            {
                result.Add(new LayerAttribute(kind, attribute, attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax));
            }
        }

        // Source order is the layer order. Within one declaration GetAttributes already follows it; sorting by position
        // makes that explicit and independent of how partial declarations are enumerated.
        return result
            .OrderBy(a => a.Syntax?.SyntaxTree.FilePath ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(a => a.Syntax?.SpanStart ?? 0)
            .ToList();
    }

    private static bool AllOnOneDeclaration(List<LayerAttribute> attributes, out LocationInfo? stray)
    {
        stray = null;
        SyntaxNode? owner = null;
        foreach (var attribute in attributes)
        {
            var declaration = attribute.Syntax?.Parent?.Parent;
            if (declaration is null)
            {
                continue;
            }

            if (owner is null)
            {
                owner = declaration;
            }
            else if (owner != declaration)
            {
                stray = attribute.Location;
                return false;
            }
        }

        return true;
    }

    /// <summary>One <c>[Dense]</c> as declared, with where each of its parts is written.</summary>
    private sealed class DeclaredDense
    {
        public DeclaredDense(int size, Activation activation, LocationInfo? location)
        {
            Size = size;
            Activation = activation;
            Location = location;
        }

        public int Size { get; }

        public Activation Activation { get; }

        public LocationInfo? Location { get; }

        public double LeakySlope { get; set; } = NetworkRules.DefaultLeakySlope;

        public LocationInfo? LeakySlopeLocation { get; set; }

        public double Alpha { get; set; } = NetworkRules.DefaultAlpha;

        public LocationInfo? AlphaLocation { get; set; }

        public double KeepProbability { get; set; } = 1.0;

        public LocationInfo? DropoutLocation { get; set; }

        public DenseLayerFacts ToFacts() => new(Size, Activation, LeakySlope, Alpha, KeepProbability);

        public DenseLayerModel ToModel() => new(Size, Activation, LeakySlope, KeepProbability, Alpha);
    }

    private sealed class DeclaredLayers
    {
        public bool HasInput { get; set; }

        public int InputSize { get; set; }

        public LocationInfo? InputLocation { get; set; }

        public double InputKeepProbability { get; set; } = 1.0;

        public LocationInfo? InputDropoutLocation { get; set; }

        public List<DeclaredDense> Dense { get; } = new();
    }

    private static DeclaredLayers ReadLayers(
        INamedTypeSymbol type,
        List<LayerAttribute> attributes,
        NetworkArguments network,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        var layers = new DeclaredLayers();
        bool anyLayerBeforeInput = false;
        LayerAttribute? previous = null;
        foreach (var attribute in attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (attribute.Kind)
            {
                case LayerAttributeKind.Input:
                    if (layers.HasInput)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateInput, attribute.Location, type.Name));
                        break;
                    }

                    layers.HasInput = true;
                    if (anyLayerBeforeInput)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputNotFirst, attribute.Location, type.Name));
                    }

                    layers.InputSize = IntArgument(attribute.Data, 0);
                    layers.InputLocation = attribute.Location;
                    break;

                case LayerAttributeKind.Dense:
                    anyLayerBeforeInput |= !layers.HasInput;
                    layers.Dense.Add(ReadDense(attribute, diagnostics));
                    break;

                case LayerAttributeKind.Dropout:
                    anyLayerBeforeInput |= !layers.HasInput;
                    ReadDropout(attribute, previous, layers, network, diagnostics);
                    break;
            }

            previous = attribute;
        }

        if (!layers.HasInput)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, network.AttributeLocation, type.Name));
        }

        if (layers.Dense.Count > 0 && layers.Dense[layers.Dense.Count - 1] is { DropoutLocation: { } outputDropout } output)
        {
            // Whatever its probability, even 1: a [Dropout] after the last [Dense] says something the network cannot do.
            string? keepProblem = NetworkRules.KeepProbabilityProblem(output.KeepProbability, network.Precision, "the output layer");
            diagnostics.Add(keepProblem is not null
                ? DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKeepProbability, outputDropout, keepProblem)
                : DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedDropout, outputDropout, "follows the output layer (the last [Dense]), whose outputs are never dropped"));
            output.KeepProbability = 1.0;
        }

        return layers;
    }

    private static void ReadDropout(LayerAttribute attribute, LayerAttribute? previous, DeclaredLayers layers, NetworkArguments network, List<DiagnosticInfo> diagnostics)
    {
        double keep = DoubleArgument(attribute.Data, 0);
        switch (previous?.Kind)
        {
            case LayerAttributeKind.Input when layers.InputDropoutLocation is null:
                layers.InputKeepProbability = keep;
                layers.InputDropoutLocation = attribute.Location;
                break;
            case LayerAttributeKind.Dense:
                var layer = layers.Dense[layers.Dense.Count - 1];
                layer.KeepProbability = keep;
                layer.DropoutLocation = attribute.Location;
                break;
            case LayerAttributeKind.Dropout:
                // The probability is still checked, so a bad one is reported as such rather than only as misplaced.
                string target = layers.Dense.Count == 0 ? "the input" : NetworkRules.LayerName(layers.Dense.Count - 1).ToLowerInvariant();
                string? problem = NetworkRules.KeepProbabilityProblem(keep, network.Precision, target);
                diagnostics.Add(problem is not null
                    ? DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKeepProbability, attribute.Location, problem)
                    : DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedDropout, attribute.Location, "follows another [Dropout]"));
                break;

            // A [Dropout] before everything else (or after a second [Input]) is reported once, as NG0006 or NG0005.
        }
    }

    private static DeclaredDense ReadDense(LayerAttribute attribute, List<DiagnosticInfo> diagnostics)
    {
        var activation = (Activation)IntArgument(attribute.Data, 1);
        var layer = new DeclaredDense(IntArgument(attribute.Data, 0), activation, attribute.Location);
        bool defined = Enum.IsDefined(typeof(Activation), activation);
        foreach (var named in attribute.Data.NamedArguments)
        {
            if (named.Value.Value is not double value || named.Key is not ("LeakySlope" or "Alpha"))
            {
                continue;
            }

            bool isSlope = named.Key == "LeakySlope";
            var location = LocationInfo.From(NamedArgumentSyntax(attribute.Syntax, named.Key)) ?? attribute.Location;
            if (defined && activation != (isSlope ? Activation.LeakyReLU : Activation.ELU))
            {
                diagnostics.Add(DiagnosticInfo.Create(isSlope ? DiagnosticDescriptors.LeakySlopeIgnored : DiagnosticDescriptors.AlphaIgnored, location, activation.ToString()));
            }
            else if (isSlope)
            {
                layer.LeakySlope = value;
                layer.LeakySlopeLocation = location;
            }
            else
            {
                layer.Alpha = value;
                layer.AlphaLocation = location;
            }
        }

        return layer;
    }

    // Undeclared, the loss is MeanSquaredError, except in a network with a Step layer, which is then forward-only.
    private static Loss? EffectiveLoss(NetworkArguments network, List<DeclaredDense> layers) =>
        network.ExplicitLoss ?? (layers.Any(l => l.Activation == Activation.Step) ? null : Loss.MeanSquaredError);

    /// <summary>Checks the architecture with the shared rules and reports each broken one on the syntax it is about.</summary>
    private static void ApplyRules(DeclaredLayers layers, NetworkArguments network, Loss? loss, List<DiagnosticInfo> diagnostics)
    {
        var facts = layers.Dense.Select(l => l.ToFacts()).ToArray();
        foreach (var violation in NetworkRules.Check(layers.InputSize, layers.InputKeepProbability, facts, loss, network.Precision))
        {
            var layer = violation.Layer >= 0 ? layers.Dense[violation.Layer] : null;
            var location = violation.Rule switch
            {
                NetworkRule.UndefinedPrecision => network.PrecisionLocation,
                NetworkRule.InputSize => layers.InputLocation,
                NetworkRule.InputKeepProbability => layers.InputDropoutLocation,
                NetworkRule.NoDenseLayer or NetworkRule.TooManyLayers or NetworkRule.TooManyParameters => network.AttributeLocation,
                NetworkRule.LayerSize or NetworkRule.UndefinedActivation or NetworkRule.SoftmaxNotLast or NetworkRule.StepWithLoss => layer!.Location,
                NetworkRule.LeakySlope => layer!.LeakySlopeLocation,
                NetworkRule.Alpha => layer!.AlphaLocation,
                NetworkRule.KeepProbability or NetworkRule.OutputDropout => layer!.DropoutLocation,
                NetworkRule.UndefinedLoss or NetworkRule.LossMismatch => network.LossLocation,
                _ => throw new InvalidOperationException("No diagnostic for the rule " + violation.Rule),
            };
            var descriptor = DiagnosticDescriptors.ForRule(violation.Rule);

            // Without [Input] the missing input is NG0004 alone, not also an input of size 0.
            if (violation.Rule == NetworkRule.InputSize && !layers.HasInput)
            {
                continue;
            }

            diagnostics.Add(DiagnosticInfo.Create(descriptor, location ?? network.AttributeLocation, violation.Message));
        }

        if (NetworkRules.CheckInferenceWeights(network.InferenceWeights, network.Precision) is { } weights)
        {
            var descriptor = weights.Rule == NetworkRule.UndefinedWeightFormat ? DiagnosticDescriptors.UndefinedEnumValue : DiagnosticDescriptors.CompressedWeightsNeedSinglePrecision;
            diagnostics.Add(DiagnosticInfo.Create(descriptor, network.InferenceWeightsLocation ?? network.AttributeLocation, weights.Message));
        }
    }

    private static int IntArgument(AttributeData attribute, int index) =>
        attribute.ConstructorArguments.Length > index && attribute.ConstructorArguments[index].Value is int value ? value : 0;

    private static double DoubleArgument(AttributeData attribute, int index) =>
        attribute.ConstructorArguments.Length > index ? attribute.ConstructorArguments[index].Value switch
        {
            double d => d,
            float f => f,
            int i => i,
            _ => double.NaN,
        } : double.NaN;
}
