using System.Globalization;
using System.Text;

namespace NetGen.Generator.Emit;

/// <summary>
/// The text of numbers and elementwise math in generated code, in one of the forms a value takes there: a float or
/// double scalar, or a Vector128 or Vector256 of floats. An activation or loss is written once against this class and
/// reads the same in every form (the vector forms lane by lane the scalar float's operations, so a vector loop and its
/// scalar remainder agree to the bit). Every literal is written with the invariant culture in a form that parses back to
/// exactly the value the runtime engine uses, so a culture with a decimal comma or a U+2212 minus sign can never reach
/// generated code.
/// </summary>
internal sealed class MathText
{
    /// <summary>Scalar single precision.</summary>
    public static readonly MathText Float = new("float", isDouble: false, vector: null);

    /// <summary>Scalar double precision.</summary>
    public static readonly MathText Double = new("double", isDouble: true, vector: null);

    /// <summary>Four floats in a Vector128.</summary>
    public static readonly MathText Vector128 = new(TypeNames.Vector128Float, isDouble: false, vector: TypeNames.Vector128);

    /// <summary>Eight floats in a Vector256.</summary>
    public static readonly MathText Vector256 = new(TypeNames.Vector256Float, isDouble: false, vector: TypeNames.Vector256);

    private readonly string? _vector;

    private MathText(string type, bool isDouble, string? vector)
    {
        T = type;
        IsDouble = isDouble;
        _vector = vector;
    }

    /// <summary>The scalar form of a network's precision.</summary>
    public static MathText Scalar(bool isDouble) => isDouble ? Double : Float;

    /// <summary>The float vector of <paramref name="width"/> (4 or 8) lanes.</summary>
    public static MathText FloatVector(int width) => width == 8 ? Vector256 : Vector128;

    public bool IsDouble { get; }

    public bool IsVector => _vector is not null;

    /// <summary>The type of a value of this form: float, double or the vector type.</summary>
    public string T { get; }

    public string Zero => _vector is null ? Real(0.0) : T + ".Zero";

    public string One => Real(1.0);

    /// <summary>A literal (scalars) or a broadcast (vectors) holding exactly <c>(T)value</c> in every element.</summary>
    public string Real(double value) =>
        _vector is not null ? $"{_vector}.Create({FloatLiteral((float)value)})"
        : IsDouble ? DoubleLiteral(value) : FloatLiteral((float)value);

    /// <summary>A literal of the element type (float for every single-precision form, double for double) holding exactly <c>(T)value</c>.</summary>
    public string ElementLiteral(double value) => IsDouble ? DoubleLiteral(value) : FloatLiteral((float)value);

    /// <summary>The IEEE maximum (a NaN argument gives NaN, like the interpreter's).</summary>
    public string Max(string x, string y) => $"{Type}.Max({x}, {y})";

    public string Abs(string x) => $"{Type}.Abs({x})";

    /// <summary>eˣ: the runtime's polynomial in single precision (the same lanes in scalar and vector), the BCL's in double.</summary>
    public string Exp(string x) => IsDouble ? $"double.Exp({x})" : Call("Exp", x);

    public string Log(string x) => IsDouble ? $"double.Log({x})" : Call("Log", x);

    /// <summary>ln(1 + x).</summary>
    public string LogP1(string x) => IsDouble ? $"double.LogP1({x})" : Call("LogP1", x);

    /// <summary><paramref name="then"/> where <paramref name="x"/> &gt; 0, else <paramref name="otherwise"/> (elementwise for vectors).</summary>
    public string IfPositive(string x, string then, string otherwise) =>
        _vector is null
            ? $"{x} > {Zero} ? {then} : {otherwise}"
            : $"{_vector}.ConditionalSelect({_vector}.GreaterThan({x}, {Zero}), {then}, {otherwise})";

    /// <summary>A call of the runtime's <c>VectorMath</c>, which has the overloads for every form.</summary>
    public static string Call(string function, params string[] arguments) => $"{TypeNames.VectorMath}.{function}({string.Join(", ", arguments)})";

    // The static members Max and Abs live on the scalar keyword's type or on the vector class.
    private string Type => _vector ?? T;

    public static string DoubleLiteral(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) != value)
        {
            text = value.ToString("G17", CultureInfo.InvariantCulture);
        }

        return text + "d";
    }

    public static string FloatLiteral(float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) != value)
        {
            text = value.ToString("G9", CultureInfo.InvariantCulture);
        }

        return text + "f";
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A number for comments, as the declaration would write it: 0.05, 1, 1E-05.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A layer number as a superscript, as the notes write a^l: 12 → ¹².</summary>
    public static string Sup(int value)
    {
        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var text = new StringBuilder();
        foreach (char c in Int(value))
        {
            text.Append(digits[c - '0']);
        }

        return text.ToString();
    }
}
