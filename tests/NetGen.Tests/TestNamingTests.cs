using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace NetGen.Tests;

/// <summary>One naming style for tests: PascalCase sentences, no underscores (issue 15).</summary>
public sealed partial class TestNamingTests
{
    [Fact]
    public void EveryTestInThisAssemblyIsNamedInPascalCase()
    {
        var misnamed = typeof(TestNamingTests).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(method => method.GetCustomAttributes<FactAttribute>(inherit: true).Any())
            .Where(method => !IsPascalCase(method.Name))
            .Select(method => $"{method.DeclaringType!.FullName}.{method.Name}")
            .ToList();
        Assert.True(misnamed.Count == 0, "Not PascalCase: " + string.Join(", ", misnamed));
    }

    /// <summary>The other test projects, read as source from the repository (this assembly cannot load them).</summary>
    [RepositoryFact]
    public void EveryTestInTheRepositoryIsNamedInPascalCase()
    {
        string root = PackageFactAttribute.RepositoryRoot!;
        var misnamed = Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => TestMethod().Matches(File.ReadAllText(path)).Select(match => (path, name: match.Groups["name"].Value)))
            .Where(test => !IsPascalCase(test.name))
            .Select(test => $"{Path.GetFileName(test.path)}: {test.name}")
            .ToList();
        Assert.True(misnamed.Count == 0, "Not PascalCase: " + string.Join(", ", misnamed));
    }

    private static bool IsPascalCase(string name) => char.IsUpper(name[0]) && !name.Contains('_', StringComparison.Ordinal);

    // A [Fact], [Theory] or derived attribute line, any further attribute lines, then the method's declaration.
    [GeneratedRegex(@"^\s*\[\w*(Fact|Theory)\w*(\(.*\))?\]\s*$(\s*^\s*\[.*\]\s*$)*\s*^\s*public\s+(static\s+)?(async\s+)?\w+\s+(?<name>\w+)\(", RegexOptions.Multiline)]
    private static partial Regex TestMethod();
}

/// <summary>A fact that reads the repository's sources: skipped where the tests run outside the repository.</summary>
public sealed class RepositoryFactAttribute : FactAttribute
{
    /// <summary>Skips the test unless the repository (the folder holding NetGen.sln) is above the test assembly.</summary>
    public RepositoryFactAttribute()
    {
        if (PackageFactAttribute.RepositoryRoot is null)
        {
            Skip = "The repository's sources are not above the test assembly.";
        }
    }
}
