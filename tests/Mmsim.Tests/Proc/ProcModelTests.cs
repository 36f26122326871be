using Mmsim.Mm;
using Mmsim.Proc;
using static Mmsim.Tests.Mm.MmKit;

namespace Mmsim.Tests.Proc;

/// <summary>The /proc formatters over an address space built by the model's system calls.</summary>
public sealed class ProcModelTests
{
    [Fact]
    public void ANewlineInAMappedFilesPathIsWrittenAsOctal()
    {
        //   col 0
        //   | r-- "/tmp/a\nb" |     the kernel (seq_file_path with "\n") prints /tmp/a\012b,
        //                           checked on this machine with a Python mmap of such a file
        // (found by the fuzzer: the newline split the smaps text the replay hands to pmap).
        MmStruct mm = NewMm();
        mm.MapAt(0, 1, R, MapFlags.Private | MapFlags.Fixed, OpenFile(NewInode("/tmp/a\nb", 1)));
        string maps = ProcMaps.Format(mm);
        Assert.Contains("/tmp/a\\012b\n", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("/tmp/a\nb", maps, StringComparison.Ordinal);
    }

    [Fact]
    public void SmapsAndStatusOfAModelMm()
    {
        //   col 0                 col 1024   col 1030   col 1032
        //   | rw- anon, hg, 4 MiB  | gap      | rw- lo   |
        // The 4 MiB area starts on a 2 MiB boundary (0x10000000): THPeligible 1; the mlocked area
        // has "lo" and counts in VmLck.
        MmStruct mm = NewMm();
        mm.MapAt(0, 1024);
        mm.AdviseAt(0, 1024, Madv.HugePage);
        mm.MapAt(1030, 2);
        mm.Checked(mm.Mlock(Col(1030), Pages(2)));
        string smaps = ProcSmaps.Format(mm, (Vma v, ref MemSizeStats m) => { }, SmapsConfig.Reference);
        Assert.StartsWith("10000000-10400000 rw-p 00000000 00:00 0 \nSize:               4096 kB\n", smaps, StringComparison.Ordinal);
        Assert.Contains("THPeligible:           1\nVmFlags: rd wr mr mw me ac hg \n10406000-10408000 rw-p", smaps, StringComparison.Ordinal);
        Assert.Contains("THPeligible:           0\nVmFlags: rd wr mr mw me lo ac \nffffffffff600000", smaps, StringComparison.Ordinal);
        Assert.EndsWith("THPeligible:           0\nVmFlags: ex \n", smaps, StringComparison.Ordinal);
        Assert.Equal(3, smaps.Split("VmFlags:").Length - 1);

        string status = ProcStatus.Format(new TaskStatusRecord { Name = "model", Pid = 7, Tgid = 7 }, mm, default);
        Assert.Contains("VmSize:\t    4104 kB\nVmLck:\t       8 kB\n", status, StringComparison.Ordinal);
        Assert.Contains("VmData:\t    4104 kB\n", status, StringComparison.Ordinal);
        Assert.Equal("1026 0 0 0 0 1026 0\n", ProcStatm.Format(mm, default));
        Assert.StartsWith("10000000-10408000 ---p 00000000 00:00 0", ProcSmapsRollup.Format(mm, (Vma v, ref MemSizeStats m) => { }), StringComparison.Ordinal);
    }
}
