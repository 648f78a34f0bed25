using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Diagnostics;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing;

/// <summary>Finds layer attributes on types that have no <c>[Network]</c>: they would otherwise be silently ignored.</summary>
internal static class OrphanLayerParser
{
    public static EquatableArray<DiagnosticInfo> Find(GeneratorAttributeSyntaxContext context, string shortName, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type
            || context.TargetNode is not Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax declaration
            || type.GetAttributes().Any(a => AttributeNames.Is(a.AttributeClass, "NetworkAttribute"))
            || NetworkParser.CompilerReportsAnError(declaration, context.Attributes, context.SemanticModel, cancellationToken))
        {
            return EquatableArray<DiagnosticInfo>.Empty;
        }

        var diagnostics = context.Attributes
            .Select(a => DiagnosticInfo.Create(
                DiagnosticDescriptors.LayerWithoutNetwork,
                LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(cancellationToken)),
                shortName,
                type.Name))
            .ToArray();
        return new EquatableArray<DiagnosticInfo>(diagnostics);
    }
}
