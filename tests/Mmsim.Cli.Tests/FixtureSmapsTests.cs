using System.Globalization;
using Mmsim.Replay;

namespace Mmsim.Cli.Tests;

/// <summary>
/// The /proc files `mmsim replay --proc-dir` writes, against those recorded at exit_group.
/// <para>
/// smaps: compared on the anonymous VMAs only system calls populated. A VMA qualifies when, in
/// the model at exit, it is private, anonymous and unnamed (no file, not [heap]/[stack]/[vdso]),
/// has resident pages (a call populated it: MAP_POPULATE, mlock/mlockall, MADV_POPULATE_*,
/// mremap of such pages), and none of its pages was faulted in for a touch the replay inferred
/// (a mincore vector or a SIGSEGV showing the program's own loads and stores). The program's
/// instructions may still have touched such a VMA where the log shows nothing: those are the
/// pages no log can determine, so the comparison counts them as mismatches rather than hiding
/// them. Fields: Rss, Anonymous, AnonHugePages, Locked, THPeligible, VmFlags.
/// </para>
/// <para>
/// status: VmLck, VmData, VmExe, VmLib and VmSize less VmStk depend on the VMAs the calls made and
/// must match. Measured, not required: VmStk (the stack grows by the program's own accesses, which
/// no log shows: the replay knows only the pages a vector or SIGSEGV names), VmPeak (the model's
/// hiwater_vm is raised at other moments than the kernel's in a few fixtures) and VmPTE (page
/// tables built for pages the program touched).
/// </para>
/// </summary>
public sealed class FixtureSmapsTests
{
    private static readonly string[] s_smapsFields = ["Rss", "Anonymous", "AnonHugePages", "Locked", "THPeligible", "VmFlags"];
    private static readonly string[] s_statusFields = ["VmSize-VmStk", "VmLck", "VmData", "VmExe", "VmLib"];
    private static readonly string[] s_measuredFields = ["VmPeak", "VmStk", "VmPTE"];

    [Fact]
    public void SyscallPopulatedAnonymousVmasMatchRecordedSmaps()
    {
        int fixtures = 0;
        int processes = 0;
        int compared = 0;
        int equal = 0;
        int statusCompared = 0;
        int statusEqual = 0;
        var measured = new Dictionary<string, (int Equal, int Total)>();
        var mismatches = new List<string>();
        foreach (string name in FixtureNames())
        {
            string fx = Path.Combine(FixtureReplayTests.FixturesDir(), name);
            Replayer r = Replay(fx);
            fixtures++;
            foreach (ProcSnapshot snap in r.Snapshots.Values)
            {
                string pid = snap.Pid.ToString(CultureInfo.InvariantCulture);
                string recordedSmaps = Path.Combine(fx, "smaps", pid + ".smaps");
                string recordedStatus = Path.Combine(fx, "status", pid + ".status");
                if (!File.Exists(recordedSmaps) || snap.Smaps is null || snap.Status is null)
                {
                    continue;
                }
                processes++;
                Dictionary<string, Dictionary<string, string>> model = ParseSmaps(snap.Smaps);
                Dictionary<string, Dictionary<string, string>> recorded = ParseSmaps(File.ReadAllText(recordedSmaps));
                foreach ((string header, Dictionary<string, string> m) in model)
                {
                    if (!OnlySyscallsPopulated(header, m, snap.InferredPages))
                    {
                        continue;
                    }
                    compared++;
                    if (!recorded.TryGetValue(header, out Dictionary<string, string>? rec))
                    {
                        mismatches.Add($"{name} {pid} {header}: not in the recorded smaps");
                        continue;
                    }
                    bool same = true;
                    foreach (string f in s_smapsFields)
                    {
                        if (m.GetValueOrDefault(f) != rec.GetValueOrDefault(f))
                        {
                            same = false;
                            mismatches.Add($"{name} {pid} {header}: {f} recorded '{rec.GetValueOrDefault(f)}', model '{m.GetValueOrDefault(f)}'");
                        }
                    }
                    equal += same ? 1 : 0;
                }
                Dictionary<string, string> ms = ParseStatus(snap.Status);
                Dictionary<string, string> rs = ParseStatus(File.ReadAllText(recordedStatus));
                foreach (string f in s_statusFields)
                {
                    statusCompared++;
                    if (ms.GetValueOrDefault(f) == rs.GetValueOrDefault(f))
                    {
                        statusEqual++;
                    }
                    else
                    {
                        mismatches.Add($"{name} {pid} status {f}: recorded '{rs.GetValueOrDefault(f)}', model '{ms.GetValueOrDefault(f)}'");
                    }
                }
                foreach (string f in s_measuredFields)
                {
                    measured[f] = (measured.GetValueOrDefault(f).Equal + (ms.GetValueOrDefault(f) == rs.GetValueOrDefault(f) ? 1 : 0),
                        measured.GetValueOrDefault(f).Total + 1);
                }
            }
        }
        Console.WriteLine($"SMAPS: {fixtures} fixtures, {processes} processes; syscall-populated anonymous VMAs compared {compared}, equal {equal}; "
            + $"status fields compared {statusCompared}, equal {statusEqual}; measured: "
            + string.Join(", ", measured.Select(kv => $"{kv.Key} equal in {kv.Value.Equal} of {kv.Value.Total}")));
        Assert.True(compared > 0);
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    private static IEnumerable<string> FixtureNames()
    {
        foreach (string fx in Directory.GetDirectories(FixtureReplayTests.FixturesDir()).Order(StringComparer.Ordinal))
        {
            yield return Path.GetFileName(fx);
        }
    }

    private static Replayer Replay(string fx)
    {
        string trace = Path.Combine(fx, "trace.log");
        string root = Path.Combine(fx, "root");
        RecordingMetadata meta = RecordingMetadata.Load(trace);
        var options = new ReplayOptions
        {
            InitialCwd = meta.Cwd ?? "/",
            RecordedInodes = meta.Inodes,
            Paging = Mmsim.Phys.PhysMemConfig.Default,
            ProcFiles = true,
        };
        var host = new HostFileSystem(Directory.Exists(root) ? root : null);
        return Replayer.RunWithEvidence(() => new Replayer(host, ReplayMode.Check, options: options), () => new StreamReader(trace), "trace.log");
    }

    /// <summary>A private anonymous unnamed VMA with resident pages, none of them from an inferred touch.</summary>
    private static bool OnlySyscallsPopulated(string header, Dictionary<string, string> fields, IReadOnlyList<ulong> inferred)
    {
        string[] f = header.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 5 || f[1][3] != 'p' || f[4] != "0" || (f.Length == 6 && f[5].Trim().Length > 0))
        {
            return false;
        }
        if (fields.GetValueOrDefault("Rss") is not { } rss || rss.StartsWith("0 ", StringComparison.Ordinal))
        {
            return false;
        }
        string[] range = f[0].Split('-');
        ulong start = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        ulong end = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        foreach (ulong page in inferred)
        {
            if (page >= start && page < end)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>smaps as header line -> field -> value (kB values keep their unit; VmFlags its mnemonics).</summary>
    internal static Dictionary<string, Dictionary<string, string>> ParseSmaps(string text)
    {
        var result = new Dictionary<string, Dictionary<string, string>>();
        Dictionary<string, string>? cur = null;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            bool header = line.Length > 0 && Uri.IsHexDigit(line[0]) && line.Contains('-', StringComparison.Ordinal)
                && (colon < 0 || line.IndexOf(' ', StringComparison.Ordinal) < colon);
            if (header)
            {
                cur = new Dictionary<string, string>();
                string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                result[string.Join(' ', f.Take(5)) + (f.Length == 6 ? " " + f[5].Trim() : "")] = cur;
            }
            else if (cur is not null && colon > 0)
            {
                cur[line[..colon]] = string.Join(' ', line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return result;
    }

    private static Dictionary<string, string> ParseStatus(string text)
    {
        var d = new Dictionary<string, string>();
        long size = 0;
        long stk = 0;
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                d[line[..colon]] = line[(colon + 1)..].Trim();
                string kb = line[(colon + 1)..].Trim().Split(' ')[0];
                if (line.StartsWith("VmSize:", StringComparison.Ordinal))
                {
                    size = long.Parse(kb, CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("VmStk:", StringComparison.Ordinal))
                {
                    stk = long.Parse(kb, CultureInfo.InvariantCulture);
                }
            }
        }
        d["VmSize-VmStk"] = (size - stk).ToString(CultureInfo.InvariantCulture) + " kB";
        return d;
    }
}
