using System.Text.Json;

namespace Mmsim.Cli;

/// <summary>
/// What a recorder (the oracle's capture.py) wrote beside a trace: processes.json gives the
/// working directory the program started in, elf.json the inode of each ELF file it exec'd.
/// Neither is in the strace log itself; both are optional.
/// </summary>
internal sealed class RecordingMetadata
{
    public string? Cwd { get; private set; }

    public Dictionary<string, ulong> Inodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads the files beside the trace; a file that is present but unreadable is a usage error naming it.</summary>
    public static RecordingMetadata Load(string tracePath)
    {
        var meta = new RecordingMetadata();
        string dir = Path.GetDirectoryName(Path.GetFullPath(tracePath)) ?? ".";
        string processes = Path.Combine(dir, "processes.json");
        if (File.Exists(processes))
        {
            using JsonDocument doc = Parse(processes);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("cwd", out JsonElement cwd) && cwd.ValueKind == JsonValueKind.String)
            {
                meta.Cwd = cwd.GetString();
            }
        }
        string elf = Path.Combine(dir, "elf.json");
        if (File.Exists(elf))
        {
            using JsonDocument doc = Parse(elf);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty file in doc.RootElement.EnumerateObject())
                {
                    if (file.Value.ValueKind == JsonValueKind.Object && file.Value.TryGetProperty("inode", out JsonElement ino)
                        && ino.TryGetUInt64(out ulong n))
                    {
                        meta.Inodes[file.Name] = n;
                    }
                }
            }
        }
        return meta;
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}:{(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message.Split('.')[0]})");
        }
        catch (IOException e)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
    }
}
