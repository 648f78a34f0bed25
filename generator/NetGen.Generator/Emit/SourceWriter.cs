using System.Text;

namespace NetGen.Generator.Emit;

/// <summary>
/// An indenting text writer for generated source; always writes "\n" line ends so output is byte-identical everywhere.
/// Fixed blocks are written as multi-line (raw string) text, each line indented to the current level.
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(text);
        }

        _text.Append('\n');
    }

    /// <summary>
    /// Writes multi-line text line by line at the current indentation, each line keeping its own leading spaces on top;
    /// empty lines stay empty.
    /// </summary>
    public void Block(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
        {
            Line(line);
        }
    }

    /// <summary>
    /// A comment wrapped at word boundaries to lines of at most about <paramref name="width"/> characters (indentation
    /// included), each starting with <paramref name="prefix"/> and continuation lines with <paramref name="continuation"/>.
    /// </summary>
    public void Comment(string text, string prefix = "// ", string continuation = "// ", int width = 120)
    {
        var line = new StringBuilder(prefix);
        bool empty = true;
        foreach (string word in text.Split(' '))
        {
            if (!empty && (_indent * 4) + line.Length + 1 + word.Length > width)
            {
                Line(line.ToString());
                line.Clear().Append(continuation);
                empty = true;
            }

            if (!empty)
            {
                line.Append(' ');
            }

            line.Append(word);
            empty = false;
        }

        Line(line.ToString());
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    public void Open()
    {
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
