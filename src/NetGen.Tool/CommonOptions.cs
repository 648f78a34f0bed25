using System;

namespace NetGen.Tool;

/// <summary>The options every command that reads a CSV file shares.</summary>
internal static class CommonOptions
{
    public static readonly OptionSpec Header = new("--header", null, "the first line is a header (default: detected: a first line with a field that is not a number)");

    public static readonly OptionSpec NoHeader = new("--no-header", null, "the first line is data");

    public static readonly OptionSpec Separator = new("--separator", "CHAR", "the field separator, one character or 'tab' (default ,)");

    /// <summary>True for <c>--header</c>, false for <c>--no-header</c>, null to detect the header.</summary>
    /// <exception cref="UsageException">Both are given.</exception>
    public static bool? ReadHeader(Arguments arguments)
    {
        bool header = arguments.Has(Header.Name), noHeader = arguments.Has(NoHeader.Name);
        return header && noHeader
            ? throw new UsageException("--header and --no-header contradict each other; give one or neither (then the header is detected).")
            : header ? true : noHeader ? false : null;
    }

    /// <summary>The separator <c>--separator</c> gives, or a comma.</summary>
    /// <exception cref="UsageException">The value is not one character that can separate numbers.</exception>
    public static char ReadSeparator(Arguments arguments)
    {
        string? text = arguments.Text(Separator.Name);
        if (text is null)
        {
            return ',';
        }

        char separator = text.Equals("tab", StringComparison.OrdinalIgnoreCase) || text == "\\t" ? '\t' : text.Length == 1 ? text[0] : '\0';
        return separator is '\0' or '\r' or '\n' or '"' or '.' or '+' or '-' or 'e' or 'E' || char.IsAsciiDigit(separator)
            ? throw new UsageException($"--separator: '{text}' cannot separate numbers; give one character such as , or ; or 'tab'.")
            : separator;
    }
}
