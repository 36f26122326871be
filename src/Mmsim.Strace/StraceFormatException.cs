namespace Mmsim.Strace;

/// <summary>
/// A line of an strace log fits none of the known forms. <see cref="Exception.Message"/> is exactly one line:
/// <c>FILE:LINE: what is wrong</c>, e.g. <c>trace.log:17: unterminated argument list</c>.
/// </summary>
public sealed class StraceFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="line"/> of <paramref name="fileName"/>.</summary>
    /// <param name="fileName">Name of the log as given to <see cref="StraceReader"/>.</param>
    /// <param name="line">1-based line number of the offending line.</param>
    /// <param name="reason">What is wrong, one line, no trailing period.</param>
    public StraceFormatException(string fileName, long line, string reason)
        : base(fileName + ":" + line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + OneLine(reason))
    {
        FileName = fileName;
        Line = line;
        Reason = OneLine(reason);
    }

    /// <summary>Name of the log as given to the reader.</summary>
    public string FileName { get; }

    /// <summary>1-based number of the offending line.</summary>
    public long Line { get; }

    /// <summary>What is wrong (the message without the <c>FILE:LINE: </c> prefix).</summary>
    public string Reason { get; }

    /// <summary>Replaces line breaks so the message stays on one line.</summary>
    private static string OneLine(string text)
    {
        return text.Replace('\n', ' ').Replace('\r', ' ');
    }
}
