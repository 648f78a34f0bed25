using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Parsing;

/// <summary>
/// Names as generated code must write them. A symbol's name is the bare identifier (<c>class</c> for
/// <c>@class</c>); code needs the <c>@</c> back wherever the bare word would be read as a keyword.
/// </summary>
internal static class Identifiers
{
    /// <summary>
    /// A type's name as a C# identifier: <c>@</c>-escaped when it is a keyword or contextual keyword, and when it is all
    /// lower-case ASCII letters, which the compiler warns of (CS8981) on every declaration not written with <c>@</c>,
    /// the generated one included.
    /// </summary>
    public static string Type(string name) =>
        IsKeyword(name) || (name.Length > 0 && name.All(c => c >= 'a' && c <= 'z')) ? "@" + name : name;

    /// <summary>A dotted namespace name with each keyword segment <c>@</c>-escaped, such as <c>Models.@event</c>.</summary>
    public static string Namespace(string dottedName) =>
        string.Join(".", dottedName.Split('.').Select(segment => IsKeyword(segment) ? "@" + segment : segment));

    private static bool IsKeyword(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None;
}
