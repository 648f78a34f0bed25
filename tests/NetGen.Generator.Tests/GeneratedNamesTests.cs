using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Parsing;
using Xunit;

namespace NetGen.Generator.Tests;

/// <summary>
/// Every legal program gets unique, valid hint names and code that compiles: type and namespace names that differ only in
/// case, keyword names written with <c>@</c>, non-ASCII names, and names the generated members already use.
/// </summary>
public class GeneratedNamesTests
{
    private const string Layers = "[Network][Input(2)][Dense(1, Activation.Sigmoid)]";

    [Fact]
    public void TypesWhoseNamesDifferOnlyInCaseGetDistinctHintNames()
    {
        var outcome = GeneratorHarness.Run($$"""
            using NetGen;
            {{Layers}} public partial class Net;
            {{Layers}} public partial class NET;
            namespace Models { {{Layers}} public partial class Net; }
            namespace models { {{Layers}} public partial class Net; }
            """);

        AssertCompilesWithoutNetGenDiagnostics(outcome);
        AssertHintNames(outcome, "Models.Net.g.cs", "models.Net.2.g.cs", "NET.g.cs", "Net.2.g.cs");
    }

    [Fact]
    public void ABakedNetworksWeightsFileAndANetworkNamedLikeItGetDistinctHintNames()
    {
        var weights = GeneratorHarness.WeightsFile("/project/small.safetensors", TestWeights.TwoToOne());
        var outcome = GeneratorHarness.Run([weights], """
            using NetGen;
            [Network(Weights = "small.safetensors")][Input(2)][Dense(1, Activation.Identity)] public partial class Net;
            namespace net { [Network][Input(2)][Dense(1, Activation.Identity)] public partial class Weights; }
            """);

        AssertCompilesWithoutNetGenDiagnostics(outcome);
        AssertHintNames(outcome, "Net.g.cs", "Net.Weights.g.cs", "net.Weights.2.g.cs");
    }

    [Fact]
    public void KeywordNamesAreEscapedInCodeAndPlainInHintNames()
    {
        var outcome = GeneratorHarness.Run($$"""
            using NetGen;
            namespace @event.@class
            {
                {{Layers}} public partial class @class;
                {{Layers}} public partial class @int;
                {{Layers}} public partial class @record;
                {{Layers}} public partial class @net;
            }
            """);

        AssertCompilesWithoutNetGenDiagnostics(outcome);
        AssertHintNames(outcome, "event.class.class.g.cs", "event.class.int.g.cs", "event.class.net.g.cs", "event.class.record.g.cs");
        Assert.Contains("partial class @class", outcome.SourceOf("event.class.class.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void ANetworkNamedLikeARootNamespaceInsideANamespaceCompiles()
    {
        var outcome = GeneratorHarness.Run($"using NetGen;\nnamespace Models {{ {Layers} public partial class System; {Layers} public partial class NetGen; }}");

        AssertCompilesWithoutNetGenDiagnostics(outcome);
    }

    [Fact]
    public void NonAsciiNamesGetHintNamesOfAllowedCharacters()
    {
        var outcome = GeneratorHarness.Run($$"""
            using NetGen;
            namespace Modèles { {{Layers}} public partial class Réseau; }
            {{Layers}} public partial class Netz_\u00DF;
            """);

        AssertCompilesWithoutNetGenDiagnostics(outcome);
        AssertHintNames(outcome, "Mod-00e8les.R-00e9seau.g.cs", "Netz_-00df.g.cs");
    }

    [Theory]
    [InlineData("Net", "Net")]
    [InlineData("Models.@event.Net", "Models.event.Net")]
    [InlineData("Netz_ß", "Netz_-00df")]
    [InlineData("a-b", "a-002db")]
    public void SanitizesCharactersRoslynRejectsInHintNames(string name, string expected) =>
        Assert.Equal(expected, HintNames.Sanitize(name.Replace("@", string.Empty, StringComparison.Ordinal)));

    /// <summary>
    /// Every member the generator declares, in the network class or in the types nested in it, is either on the list of
    /// reserved names (a network type of that name gets NG0028) or usable as a network's name (its code compiles): the
    /// list in <see cref="GeneratedMemberNames"/> is complete, and nested members never hide the network's own name.
    /// </summary>
    [Fact]
    public void EveryGeneratedMemberNameIsReservedOrUsableAsTheNetworksName()
    {
        var outer = new SortedSet<string>(StringComparer.Ordinal);
        var nested = new SortedSet<string>(StringComparer.Ordinal);
        var trees = GeneratorHarness.Run(EmissionPaths.BakedWeights, EmissionPaths.Source).Run.GeneratedTrees;
        foreach (var tree in trees)
        {
            foreach (var type in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
            {
                (type.Parent is TypeDeclarationSyntax ? nested : outer).UnionWith(MemberNames(type));
            }
        }

        Assert.Superset(new HashSet<string> { "Dense2BiasesOffset", "BakedParameters", "InputScaler", "ForwardRaw", "ComputeCurvatureProduct", "Workspace" }, outer);
        // The networks' own namespace (Paths) is named from the root too; a type of that name beside it is CS0101 already.
        var roots = trees.SelectMany(t => t.GetRoot().DescendantNodes().OfType<AliasQualifiedNameSyntax>()).Select(n => n.Name.Identifier.ValueText).ToHashSet();
        roots.Remove("Paths");
        Assert.Subset(GeneratedMemberNames.RootNamespaces.ToHashSet(), roots);
        Assert.All(outer, name => Assert.True(GeneratedMemberNames.IsReserved(name), $"the generated member '{name}' is not in GeneratedMemberNames"));

        var names = outer.Concat(nested).Distinct().ToList();
        var source = new System.Text.StringBuilder("using NetGen;\n");
        for (int i = 0; i < names.Count; i++)
        {
            source.Append($"namespace Case{i} {{ [Network(Loss = Loss.MeanSquaredError)][Input(2)][Dense(3, Activation.Tanh)][Dense(1, Activation.Sigmoid)] public partial class {names[i]}; }}\n");
        }

        var outcome = GeneratorHarness.Run(source.ToString());

        var rejected = outcome.NetGenDiagnostics.Where(d => d.Id == "NG0028").Select(d => outcome.TextAt(d.Location)).ToHashSet();
        Assert.Equal(names.Where(GeneratedMemberNames.IsReserved).ToHashSet(), rejected);
        var problems = outcome.CompilationProblems.Where(d => !d.Id.StartsWith("NG", StringComparison.Ordinal) && d.Id != "CS1591").ToList();
        Assert.True(problems.Count == 0, GeneratorHarness.Describe(problems));
    }

    private static IEnumerable<string> MemberNames(TypeDeclarationSyntax type) => type.Members.SelectMany<MemberDeclarationSyntax, string>(member => member switch
    {
        MethodDeclarationSyntax method when method.ExplicitInterfaceSpecifier is null => [method.Identifier.ValueText],
        PropertyDeclarationSyntax property when property.ExplicitInterfaceSpecifier is null => [property.Identifier.ValueText],
        FieldDeclarationSyntax field => field.Declaration.Variables.Select(v => v.Identifier.ValueText),
        BaseTypeDeclarationSyntax nestedType => [nestedType.Identifier.ValueText],
        _ => [],
    });

    private static void AssertHintNames(GeneratorHarness.Outcome outcome, params string[] expected) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), outcome.GeneratedHintNames.Order(StringComparer.Ordinal));

    private static void AssertCompilesWithoutNetGenDiagnostics(GeneratorHarness.Outcome outcome)
    {
        Assert.Empty(outcome.NetGenDiagnostics);
        // CS1591 is the test source's own public types without docs; everything else would be the generated code's.
        var problems = outcome.CompilationProblems.Where(d => d.Id != "CS1591").ToList();
        Assert.True(problems.Count == 0, GeneratorHarness.Describe(problems));
    }
}
