namespace Mmsim.Cli;

/// <summary>Output files written whole or not at all: the text goes to a temporary file beside the target, which is then renamed over it.</summary>
internal static class AtomicFile
{
    /// <summary>Writes text to path atomically (readers see the old file or the whole new one).</summary>
    public static void Write(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes bytes to path atomically.</summary>
    public static void Write(string path, byte[] bytes)
    {
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
    }
}
