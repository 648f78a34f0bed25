using System;

namespace NetGen.Generator.Emit;

/// <summary>
/// One element of an elementwise pass over workspace arrays, in the form the loop body is written for: eight floats of
/// a Vector256 at i (the vector loop), or the float or double at i (the scalar remainder, or the whole pass in double).
/// </summary>
internal sealed class ElementAccess
{
    public ElementAccess(MathText form) => M = form;

    /// <summary>The form of the values: <see cref="MathText.Vector256"/> or a scalar.</summary>
    public MathText M { get; }

    /// <summary>The element (or eight) of <paramref name="array"/> at i.</summary>
    public string Load(string array) => M.IsVector ? $"Load8({array}, i)" : $"{array}[i]";

    /// <summary>The statement storing <paramref name="value"/> into <paramref name="array"/> at i.</summary>
    public string Store(string array, string value) => M.IsVector ? $"Store8({value}, {array}, i);" : $"{array}[i] = {value};";

    /// <summary>A local's name in this form: av in the vector loop, ai in the scalar one.</summary>
    public string Name(string stem) => stem + (M.IsVector ? "v" : "i");

    /// <summary>Declares <see cref="Name"/>(stem) holding <paramref name="value"/>.</summary>
    public string Declare(string stem, string value) => $"{M.T} {Name(stem)} = {value};";
}

/// <summary>
/// The one shape of every elementwise pass: in single precision a Vector256 loop over the whole blocks of eight and a
/// scalar loop over the rest, in double a scalar loop over everything. The body is written once against
/// <see cref="ElementAccess"/>, so both loops compute the same lane-wise operations and agree to the bit.
/// </summary>
internal static class ElementLoop
{
    /// <param name="w">The writer.</param>
    /// <param name="scalar">The network's scalar form.</param>
    /// <param name="count">The number of elements, an expression.</param>
    /// <param name="body">Writes the statements for element i.</param>
    /// <param name="vectorEnd">The name of the local that holds the end of the vector loop.</param>
    public static void Write(SourceWriter w, MathText scalar, string count, Action<ElementAccess> body, string vectorEnd = "vectorEnd")
    {
        string first = "0";
        if (!scalar.IsDouble)
        {
            w.Line($"int {vectorEnd} = {count} & ~7;");
            w.Open($"for (int i = 0; i < {vectorEnd}; i += 8)");
            body(new ElementAccess(MathText.Vector256));
            w.Close();
            first = vectorEnd;
        }

        w.Open($"for (int i = {first}; i < {count}; i++)");
        body(new ElementAccess(scalar));
        w.Close();
    }
}
