using System.Globalization;
using Mmsim.Mm;

namespace Mmsim.Cli.Tests;

/// <summary>
/// smaps' THPeligible line of every VMA the fixtures recorded (2049 areas of real Linux 6.18
/// processes, THP "madvise") against <see cref="Mmsim.Proc.ThpEligible.Pmd(Vma, in Mmsim.Proc.SmapsConfig)"/> applied to the
/// area's range, VmFlags (hg, nh, sh, io, pf) and kind (anonymous, [heap], [stack], file, special).
/// </summary>
public sealed class ThpEligibleFixtureTests
{
    [Fact]
    public void EveryRecordedThpEligibleAgrees()
    {
        int checkedAreas = 0;
        int eligible = 0;
        foreach (string smaps in Directory.GetFiles(FixtureReplayTests.FixturesDir(), "*.smaps", SearchOption.AllDirectories))
        {
            string[] lines = File.ReadAllLines(smaps);
            Vma? vma = null;
            int recorded = -1;
            foreach (string line in lines)
            {
                if (IsHeader(line))
                {
                    vma = Header(line);
                    recorded = -1;
                }
                else if (line.StartsWith("THPeligible:", StringComparison.Ordinal))
                {
                    recorded = int.Parse(line[12..].Trim(), CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("VmFlags:", StringComparison.Ordinal) && vma is not null)
                {
                    foreach (string flag in line[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        vma.Flags |= flag switch
                        {
                            "hg" => VmFlags.HugePage,
                            "nh" => VmFlags.NoHugePage,
                            "sh" => VmFlags.Shared,
                            "io" => VmFlags.Io,
                            "pf" => VmFlags.PfnMap,
                            _ => VmFlags.None,
                        };
                    }
                    bool model = Mmsim.Proc.ThpEligible.Pmd(vma, Mmsim.Proc.SmapsConfig.Reference);
                    Assert.True(model == (recorded == 1), $"{smaps}: {vma} THPeligible {recorded}, model {model}");
                    checkedAreas++;
                    eligible += model ? 1 : 0;
                }
            }
        }
        Assert.True(checkedAreas > 2000);
        Assert.Equal(2, eligible);
    }

    /// <summary>"start-end perms ...": the first word is two hex numbers joined by '-'.</summary>
    private static bool IsHeader(string line)
    {
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        int dash = line.IndexOf('-', StringComparison.Ordinal);
        if (space <= 0 || dash <= 0 || dash > space)
        {
            return false;
        }
        for (int i = 0; i < space; i++)
        {
            if (i != dash && !char.IsAsciiHexDigit(line[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A VMA for a smaps header line: range, pgoff, and a stand-in file or special name.</summary>
    private static Vma Header(string line)
    {
        string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        string[] range = f[0].Split('-');
        ulong start = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        ulong end = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        ulong offset = ulong.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        string name = f.Length > 5 ? f[5].Trim() : "";
        bool anon = name.Length == 0 || name == "[heap]" || name == "[stack]" || name.StartsWith("[anon:", StringComparison.Ordinal);
        Fs.OpenFile? file = anon ? null : new Fs.OpenFile(new Fs.Inode(8, 1, 1, name, 1UL << 30, Fs.InodeKind.Regular), Fs.FMode.Read);
        ulong pgoff = anon ? start >> 12 : offset >> 12;
        var vma = new Vma(start, end, VmFlags.None, pgoff, file);
        if (!anon && name.StartsWith('['))
        {
            vma.File = null;
            vma.SpecialName = name;
        }
        return vma;
    }
}
