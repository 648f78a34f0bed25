using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing;

/// <summary>
/// Turns a <c>[Network]</c> declaration into a <see cref="NetworkModel"/> and its diagnostics. This is the only stage that
/// sees symbols and syntax; everything it returns is plain data. The rules match <c>NetworkSpec</c>'s run-time validation.
/// </summary>
internal static class NetworkParser
{
    public const int MaxLayerSize = 1 << 20;
    public const int MaxDenseLayers = 256;
    public const long MaxParameterCount = 100_000_000;
    public const double DefaultLeakySlope = 0.01;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax declaration)
        {
            return ParseResult.Nothing;
        }

        try
        {
            return Parse(type, declaration, context.Attributes, cancellationToken);
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
        IReadOnlyList<AttributeData> networkAttributes,
        CancellationToken cancellationToken)
    {
        var networkAttribute = networkAttributes.FirstOrDefault();
        if (networkAttribute is null || !IsFirstNetworkDeclaration(type, declaration))
        {
            // [Network] on several partial declarations is the compiler's CS0579; generate from the first only.
            return ParseResult.Nothing;
        }

        var diagnostics = new List<DiagnosticInfo>();
        var identifier = LocationInfo.From(declaration.Identifier);
        CheckTypeShape(type, declaration, identifier, diagnostics);

        var allAttributes = type.GetAttributes();
        if (allAttributes.Any(HasBindingErrors))
        {
            // The compiler already reports the broken attribute (a half-typed [Dense(...]); adding NetGen diagnostics or
            // code for a network whose layers cannot be read would only bury that error.
            return Result(null, diagnostics);
        }

        var network = ReadNetworkAttribute(networkAttribute, cancellationToken, diagnostics);
        var layerAttributes = OrderedLayerAttributes(allAttributes, cancellationToken);
        if (!AllOnOneDeclaration(layerAttributes, out var strayAttribute))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, strayAttribute, type.Name));
            return Result(null, diagnostics);
        }

        var networkLocation = LocationInfo.From(networkAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
        var layers = ReadLayers(type, layerAttributes, networkLocation, diagnostics, cancellationToken, out int inputSize, out double inputKeep);
        var loss = CheckLoss(type, network, layers, diagnostics);

        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
        {
            return Result(null, diagnostics);
        }

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } containing
            ? containing.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty)
            : null;
        string keyword = declaration is RecordDeclarationSyntax ? "record" : "class";
        var model = new NetworkModel(
            ns,
            type.Name,
            keyword,
            inputSize,
            inputKeep,
            new EquatableArray<DenseLayerModel>(layers.Select(l => l.Model).ToArray()),
            loss,
            network.Precision,
            InferenceWeights: network.InferenceWeights);
        return new ParseResult(model, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()), network.Weights);
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
    }

    private static bool HasBindingErrors(AttributeData attribute) =>
        attribute.AttributeClass is null
        || attribute.AttributeClass.TypeKind == TypeKind.Error
        || attribute.AttributeConstructor is null
        || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error || a.Value is null && a.Kind != TypedConstantKind.Array)
        || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

    private readonly struct NetworkArguments
    {
        public NetworkArguments(LossKind? explicitLoss, LocationInfo? lossLocation, PrecisionKind precision, LocationInfo? attributeLocation, WeightsRequest? weights, Shared.WeightFormat inferenceWeights)
        {
            InferenceWeights = inferenceWeights;
            ExplicitLoss = explicitLoss;
            LossLocation = lossLocation;
            Precision = precision;
            AttributeLocation = attributeLocation;
            Weights = weights;
        }

        public WeightsRequest? Weights { get; }

        public Shared.WeightFormat InferenceWeights { get; }

        public LossKind? ExplicitLoss { get; }

        public LocationInfo? LossLocation { get; }

        public PrecisionKind Precision { get; }

        public LocationInfo? AttributeLocation { get; }
    }

    private static NetworkArguments ReadNetworkAttribute(AttributeData attribute, CancellationToken cancellationToken, List<DiagnosticInfo> diagnostics)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        var attributeLocation = LocationInfo.From(syntax);
        LossKind? loss = null;
        var precision = PrecisionKind.Single;
        LocationInfo? lossLocation = attributeLocation;
        WeightsRequest? weights = null;
        var inferenceWeights = Shared.WeightFormat.Float;
        foreach (var named in attribute.NamedArguments)
        {
            var argumentLocation = LocationInfo.From(NamedArgumentSyntax(syntax, named.Key)) ?? attributeLocation;
            if (named.Key == "Loss" && named.Value.Value is int lossValue)
            {
                lossLocation = argumentLocation;
                if (Enum.IsDefined(typeof(LossKind), lossValue))
                {
                    loss = (LossKind)lossValue;
                }
                else
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, argumentLocation, "(Loss)" + Format(lossValue), "Loss"));
                }
            }
            else if (named.Key == "Weights" && named.Value.Value is string weightsFile)
            {
                // Resolved against the additional files in a later pipeline step (Weights/WeightsBaker).
                weights = new WeightsRequest(weightsFile, argumentLocation);
            }
            else if (named.Key == "InferenceWeights" && named.Value.Value is int formatValue)
            {
                if (Enum.IsDefined(typeof(Shared.WeightFormat), formatValue))
                {
                    inferenceWeights = (Shared.WeightFormat)formatValue;
                }
                else
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, argumentLocation, "(WeightFormat)" + Format(formatValue), "InferenceWeights"));
                }
            }
            else if (named.Key == "Precision" && named.Value.Value is int precisionValue)
            {
                if (Enum.IsDefined(typeof(PrecisionKind), precisionValue))
                {
                    precision = (PrecisionKind)precisionValue;
                }
                else
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, argumentLocation, "(Precision)" + Format(precisionValue), "Precision"));
                }
            }
        }

        return new NetworkArguments(loss, lossLocation, precision, attributeLocation, weights, inferenceWeights);
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

    private sealed class ParsedLayer
    {
        public ParsedLayer(DenseLayerModel model, LocationInfo? location, LocationInfo? dropoutLocation)
        {
            Model = model;
            Location = location;
            DropoutLocation = dropoutLocation;
        }

        public DenseLayerModel Model { get; set; }

        public LocationInfo? Location { get; }

        public LocationInfo? DropoutLocation { get; set; }
    }

    private static List<ParsedLayer> ReadLayers(
        INamedTypeSymbol type,
        List<LayerAttribute> attributes,
        LocationInfo? networkLocation,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken,
        out int inputSize,
        out double inputKeep)
    {
        var layers = new List<ParsedLayer>();
        inputSize = 0;
        inputKeep = 1.0;
        bool inputSeen = false;
        bool anyLayerBeforeInput = false;
        LayerAttribute? previous = null;
        foreach (var attribute in attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (attribute.Kind)
            {
                case LayerAttributeKind.Input:
                    if (inputSeen)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateInput, attribute.Location, type.Name));
                        break;
                    }

                    inputSeen = true;
                    if (anyLayerBeforeInput)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputNotFirst, attribute.Location, type.Name));
                    }

                    inputSize = IntArgument(attribute.Data, 0);
                    CheckSize(inputSize, attribute.Location, diagnostics);
                    break;

                case LayerAttributeKind.Dense:
                    anyLayerBeforeInput |= !inputSeen;
                    layers.Add(ReadDense(attribute, diagnostics));
                    break;

                case LayerAttributeKind.Dropout:
                    anyLayerBeforeInput |= !inputSeen;
                    double keep = DoubleArgument(attribute.Data, 0);
                    if (!(keep > 0.0 && keep <= 1.0))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKeepProbability, attribute.Location, Format(keep)));
                    }
                    else if (previous?.Kind == LayerAttributeKind.Dropout)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedDropout, attribute.Location, "follows another [Dropout]"));
                    }
                    else if (previous?.Kind == LayerAttributeKind.Input)
                    {
                        inputKeep = keep;
                    }
                    else if (previous?.Kind == LayerAttributeKind.Dense)
                    {
                        var last = layers[layers.Count - 1];
                        last.Model = last.Model with { KeepProbability = keep };
                        last.DropoutLocation = attribute.Location;
                    }

                    // A [Dropout] before everything else is reported once, as NG0006 on the [Input] that should lead.
                    break;
            }

            previous = attribute;
        }

        if (!inputSeen)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, networkLocation, type.Name));
        }

        if (layers.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoDenseLayer, networkLocation, type.Name));
            return layers;
        }

        var output = layers[layers.Count - 1];
        if (output.Model.HasDropout)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MisplacedDropout, output.DropoutLocation, "follows the output layer (the last [Dense]), whose outputs are never dropped"));
        }

        for (int i = 0; i < layers.Count - 1; i++)
        {
            if (layers[i].Model.Activation == ActivationKind.Softmax)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxNotLast, layers[i].Location, Format(i + 1), type.Name));
            }
        }

        CheckTotalSize(type, inputSize, layers, networkLocation, diagnostics);
        return layers;
    }

    private static ParsedLayer ReadDense(LayerAttribute attribute, List<DiagnosticInfo> diagnostics)
    {
        int size = IntArgument(attribute.Data, 0);
        CheckSize(size, attribute.Location, diagnostics);
        int activationValue = IntArgument(attribute.Data, 1);
        var activation = ActivationKind.Identity;
        if (Enum.IsDefined(typeof(ActivationKind), activationValue))
        {
            activation = (ActivationKind)activationValue;
        }
        else
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue, attribute.Location, "(Activation)" + Format(activationValue), "Activation"));
        }

        double slope = DefaultLeakySlope;
        foreach (var named in attribute.Data.NamedArguments)
        {
            if (named.Key == "LeakySlope" && named.Value.Value is double value)
            {
                var location = LocationInfo.From(NamedArgumentSyntax(attribute.Syntax, "LeakySlope")) ?? attribute.Location;
                if (activation != ActivationKind.LeakyReLU)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LeakySlopeIgnored, location, activation.ToString()));
                }
                else if (!(value > 0.0 && value < 1.0))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLeakySlope, location, Format(value)));
                }
                else
                {
                    slope = value;
                }
            }
        }

        return new ParsedLayer(new DenseLayerModel(size, activation, slope, 1.0), attribute.Location, null);
    }

    private static void CheckSize(int size, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (size < 1 || size > MaxLayerSize)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSize, location, Format(size), Format(MaxLayerSize)));
        }
    }

    private static void CheckTotalSize(INamedTypeSymbol type, int inputSize, List<ParsedLayer> layers, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        if (layers.Count > MaxDenseLayers)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, location, type.Name, $"it has {Format(layers.Count)} dense layers and at most {Format(MaxDenseLayers)} are supported"));
            return;
        }

        long parameters = 0;
        long previous = inputSize;
        foreach (var layer in layers)
        {
            parameters += (previous + 1) * layer.Model.Size;
            previous = layer.Model.Size;
        }

        if (parameters > MaxParameterCount)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, location, type.Name, $"it has {Format(parameters)} parameters and at most {Format(MaxParameterCount)} are supported"));
        }
    }

    private static LossKind? CheckLoss(INamedTypeSymbol type, NetworkArguments network, List<ParsedLayer> layers, List<DiagnosticInfo> diagnostics)
    {
        if (layers.Count == 0)
        {
            return network.ExplicitLoss;
        }

        int step = layers.FindIndex(l => l.Model.Activation == ActivationKind.Step);
        if (step >= 0)
        {
            if (network.ExplicitLoss is { } declared)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepInTrainedNetwork, layers[step].Location, Format(step + 1), type.Name, declared.ToString()));
            }

            // Without a declared loss a Step network is forward-only: no gradient code is generated for it.
            return null;
        }

        var loss = network.ExplicitLoss ?? LossKind.MeanSquaredError;
        var output = layers[layers.Count - 1].Model.Activation;
        string? reason = loss switch
        {
            LossKind.SoftmaxCrossEntropy when output != ActivationKind.Softmax => "it is the log-likelihood of a probability distribution, so the output layer must use Softmax",
            LossKind.BinaryCrossEntropy when output != ActivationKind.Sigmoid => "it takes ln a and ln(1 − a), so every output must be in (0, 1): use Sigmoid",
            _ => null,
        };
        if (reason is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossMismatch, network.LossLocation, loss.ToString(), output.ToString(), reason));
        }

        return loss;
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

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
