using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Parsing;

/// <summary>The runtime's attribute types, recognised by name so the generator needs no reference to the runtime.</summary>
internal static class AttributeNames
{
    public const string Network = "NetGen.NetworkAttribute";
    public const string Input = "NetGen.InputAttribute";
    public const string Dense = "NetGen.DenseAttribute";
    public const string Dropout = "NetGen.DropoutAttribute";

    public static bool Is(INamedTypeSymbol? attributeClass, string shortName) =>
        attributeClass is { ContainingNamespace: { Name: "NetGen", ContainingNamespace.IsGlobalNamespace: true } }
        && attributeClass.Name == shortName
        && attributeClass.TypeKind != TypeKind.Error;

    /// <summary>Whether the attribute is one of NetGen's: [Network], [Input], [Dense] or [Dropout].</summary>
    public static bool IsNetGen(INamedTypeSymbol? attributeClass) =>
        Is(attributeClass, "NetworkAttribute") || LayerKind(attributeClass) is not null;

    public static LayerAttributeKind? LayerKind(INamedTypeSymbol? attributeClass) =>
        Is(attributeClass, "InputAttribute") ? LayerAttributeKind.Input
        : Is(attributeClass, "DenseAttribute") ? LayerAttributeKind.Dense
        : Is(attributeClass, "DropoutAttribute") ? LayerAttributeKind.Dropout
        : null;
}

internal enum LayerAttributeKind
{
    Input,
    Dense,
    Dropout,
}
