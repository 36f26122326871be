using System.Text;

namespace Mmsim.Scenario;

/// <summary>
/// The text of one statement handed to its parser: the keyword, the rest of the line, and the
/// means to read a <c>{ ... }</c> block that continues on the following lines.
/// </summary>
public sealed class StatementSource
{
    private readonly ScenarioSyntax.LineCursor _cursor;

    internal StatementSource(string fileName, int line, string text, string keyword, string rest, ScenarioSyntax.LineCursor cursor)
    {
        FileName = fileName;
        Line = line;
        Text = text;
        Keyword = keyword;
        Rest = rest;
        _cursor = cursor;
    }

    /// <summary>The scenario's name, for messages.</summary>
    public string FileName { get; }

    /// <summary>1-based line of the statement.</summary>
    public int Line { get; }

    /// <summary>The whole statement (comment removed, trimmed).</summary>
    public string Text { get; }

    /// <summary>The first word (the statement's keyword, or the call's name).</summary>
    public string Keyword { get; }

    /// <summary>What follows the keyword, trimmed.</summary>
    public string Rest { get; }

    /// <summary>An error naming this statement's line.</summary>
    public ScenarioException Error(string reason) => new(FileName, Line, reason);

    /// <summary>An error naming another line (inside a block).</summary>
    public ScenarioException Error(int line, string reason) => new(FileName, line, reason);

    /// <summary>The words of <see cref="Rest"/>: split at blanks, a double-quoted word kept whole (quotes removed).</summary>
    public IReadOnlyList<string> Words() => SplitWords(Rest, this, Line);

    /// <summary>
    /// The lines of a block: text after a <c>{</c> on this line, then following lines up to the one
    /// holding <c>}</c> (each with its line number, comments removed, blank lines skipped).
    /// Throws when the block is not closed.
    /// </summary>
    public IReadOnlyList<(int Line, string Text)> ReadBlock(string afterBrace)
    {
        var lines = new List<(int, string)>();
        string first = afterBrace.Trim();
        if (Close(ref first, Line, lines))
        {
            return lines;
        }
        while (_cursor.TryNext(out int n, out string text))
        {
            if (Close(ref text, n, lines))
            {
                return lines;
            }
        }
        throw Error("'{' is never closed by '}'");
    }

    private bool Close(ref string text, int line, List<(int, string)> lines)
    {
        int close = text.IndexOf('}', StringComparison.Ordinal);
        string body = close >= 0 ? text[..close] : text;
        if (close >= 0 && !string.IsNullOrWhiteSpace(text[(close + 1)..]))
        {
            throw Error(line, $"unexpected '{text[(close + 1)..].Trim()}' after '}}'");
        }
        foreach (string item in body.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            lines.Add((line, item));
        }
        return close >= 0;
    }

    /// <summary>Splits at blanks, keeping double-quoted words whole.</summary>
    internal static List<string> SplitWords(string text, StatementSource? src, int line)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var sb = new StringBuilder();
            if (text[i] == '"')
            {
                int end = text.IndexOf('"', i + 1);
                if (end < 0)
                {
                    throw src is not null ? src.Error(line, "unterminated string") : new FormatException("unterminated string");
                }
                sb.Append(text, i + 1, end - i - 1);
                i = end + 1;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    sb.Append(text[i++]);
                }
            }
            words.Add(sb.ToString());
        }
        return words;
    }
}
