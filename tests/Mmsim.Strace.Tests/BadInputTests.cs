namespace Mmsim.Strace.Tests;

/// <summary>Malformed input gives one-line FILE:LINE: errors and nothing else.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("17 mmap(NULL, 8192, PROT_READ", "unterminated argument list")]
    [InlineData("17 write(1, \"abc, 3) = 3", "unterminated string")]
    [InlineData("17 close(3)", "missing result after argument list")]
    [InlineData("17 close(3) =", "missing result after '='")]
    [InlineData("17 close(3) = ", "missing result after '='")]
    [InlineData("17 close(3) 0", "expected '=' after argument list")]
    [InlineData("17 close(3) = zz", "missing result after '='")]
    [InlineData("17 close(3) = 0 trailing", "unexpected text after result")]
    [InlineData("17 close(3) = -1 EBOGUS (Nope)", "unknown errno name after result")]
    [InlineData("17 close(3) = -1 ENOENT (No such file", "unterminated '(' after result")]
    [InlineData("17 close(3) = 0 <0.1", "unterminated '<' after result")]
    [InlineData("17 close]3) = 0", "expected '(' after call name")]
    [InlineData("17 foo([1, 2) = 0", "mismatched ')'")]
    [InlineData("17 foo({a=1]) = 0", "mismatched ']'")]
    [InlineData("17 foo(1 /* x) = 0", "unterminated comment")]
    [InlineData("17 <... close resumed>) = 0", "'<... close resumed>' without a matching unfinished call")]
    [InlineData("17 <... close) = 0", "malformed '<... NAME resumed>' line")]
    [InlineData("17 +++ exited with x +++", "malformed exit status")]
    [InlineData("17 +++ exited with 0", "malformed '+++' line")]
    [InlineData("17 +++ vanished +++", "unrecognized '+++' line")]
    [InlineData("17 +++ killed by (core dumped) +++", "malformed 'killed by' line")]
    [InlineData("17 --- SIGCHLD {si_signo=SIGCHLD}", "malformed '---' line")]
    [InlineData("17 --- sigchld {} ---", "malformed signal line")]
    [InlineData("17 ", "nothing after the line prefix")]
    [InlineData("17 )(*&^", "unrecognized line")]
    [InlineData("[pid 17 close(3) = 0", "malformed [pid N] prefix")]
    [InlineData("99999999999 close(3) = 0", "pid out of range")]
    [InlineData("17 12:3x:56 close(3) = 0", "malformed timestamp")]
    [InlineData("17 close(3) = 0\u0000", "invalid character U+0000")]
    [InlineData("17 write(1, \"\uFFFD\", 1) = 1", "invalid character U+FFFD")]
    [InlineData("17 \u0001\u0002\u0003\u0004", "invalid character U+0001")]
    [InlineData("17 close(3) = 0x1ffffffffffffffff", "malformed result value")]
    [InlineData("17 foo(" + "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((" + ") = 0", "brackets nested too deeply")]
    public void MalformedLinesName(string line, string reason)
    {
        StraceFormatException e = TestUtil.Bad("1 close(3) = 0\n" + line + "\n2 close(4) = 0\n");
        Assert.Equal("trace.log:2: " + reason, e.Message);
        Assert.Equal("trace.log", e.FileName);
        Assert.Equal(2, e.Line);
        Assert.Equal(reason, e.Reason);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void LineCutOffAtEndOfInput()
    {
        StraceFormatException e = TestUtil.Bad("1 close(3) = 0\n2 mmap(NULL, 8192, PROT_R");
        Assert.Equal("trace.log:2: unterminated argument list (line cut off at end of input)", e.Message);
    }

    [Fact]
    public void CompleteLastLineWithoutNewlineIsFine()
    {
        Assert.Equal(2, TestUtil.ReadAll("1 close(3) = 0\n2 close(4) = 0").Count);
    }

    [Fact]
    public void ResumedWithOtherNameIsAnError()
    {
        StraceFormatException e = TestUtil.Bad("5 read(0,  <unfinished ...>\n5 <... write resumed>) = 1\n");
        Assert.Equal("trace.log:2: '<... write resumed>' does not match the unfinished 'read' of line 1", e.Message);
    }

    [Fact]
    public void ResumedThatIsCutAgainIsAnError()
    {
        StraceFormatException e = TestUtil.Bad("5 read(0,  <unfinished ...>\n5 <... read resumed>\"x\",  <unfinished ...>\n");
        Assert.Equal("trace.log:2: resumed call is cut off again", e.Message);
    }

    [Fact]
    public void TwoMebibyteLineIsRefusedAndReadingGoesOn()
    {
        string huge = "1 write(1, \"" + new string('a', 2 << 20) + "\", 2097152) = 2097152\n";
        var reader = new StraceReader(new StringReader("1 close(3) = 0\n" + huge + "1 close(4) = 0\n"), "big.log");
        Assert.True(reader.TryRead(out _));
        StraceFormatException e = Assert.Throws<StraceFormatException>(() => reader.TryRead(out _));
        Assert.Equal("big.log:2: line too long (more than 1048576 characters)", e.Message);
        Assert.True(reader.TryRead(out StraceEvent next));
        Assert.Equal(3, next.Line);
        Assert.Equal("4", next.Args.ToString());
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void LineJustUnderTheLimitIsRead()
    {
        string text = "1 write(1, \"" + new string('a', (1 << 20) - 40) + "\", 5) = 5\n";
        StraceEvent ev = TestUtil.One(text);
        Assert.Equal(5, ev.Result);
    }

    [Fact]
    public void HugeUnterminatedLineAtEndIsRefused()
    {
        StraceFormatException e = TestUtil.Bad("1 close(3) = 0\n" + new string('x', 3 << 20));
        Assert.Equal(2, e.Line);
        Assert.Contains("line too long", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryJunk()
    {
        var random = new Random(7);
        byte[] junk = new byte[4096];
        random.NextBytes(junk);
        string text = System.Text.Encoding.UTF8.GetString(junk);
        StraceFormatException e = TestUtil.Bad(text);
        Assert.StartsWith("trace.log:1: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8ThroughAStrictDecoderIsAFormatError()
    {
        byte[] bytes = [(byte)'1', (byte)' ', 0xff, 0xfe, (byte)'\n'];
        var stream = new MemoryStream(bytes);
        var decoder = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true);
        var reader = new StraceReader(new StreamReader(stream, decoder), "bin.log");
        StraceFormatException e = Assert.Throws<StraceFormatException>(() => reader.TryRead(out _));
        Assert.Equal("bin.log:1: invalid character encoding", e.Message);
    }
}
