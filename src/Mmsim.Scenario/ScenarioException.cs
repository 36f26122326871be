using System.Globalization;

namespace Mmsim.Scenario;

/// <summary>
/// A scenario the tool cannot run: bad syntax, an unknown statement or variable, a process that
/// does not exist. The message is one line, <c>FILE:LINE: what</c>. (What the modelled kernel does
/// to a process - a SIGSEGV - is no error of the scenario: it is printed as output.)
/// </summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Creates the exception for line <paramref name="line"/> of <paramref name="fileName"/>.</summary>
    public ScenarioException(string fileName, long line, string reason)
        : base(fileName + ":" + line.ToString(CultureInfo.InvariantCulture) + ": " + reason.Replace('\n', ' ').Replace('\r', ' '))
    {
        FileName = fileName;
        Line = line;
        Reason = reason;
    }

    /// <summary>The scenario's name as given to the parser.</summary>
    public string FileName { get; }

    /// <summary>1-based line of the statement.</summary>
    public long Line { get; }

    /// <summary>What is wrong, without the <c>FILE:LINE: </c> prefix.</summary>
    public string Reason { get; }
}
