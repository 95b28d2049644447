#!/usr/bin/perl
# tools/demo-fmt.pl: the live lines of `make demo`, from tab-separated
# records that tools/demo.sh writes, one a line:
#   H                                          the column headings
#   W  TIME SEQ PLATE AXLES GROSS LIMIT DECISION REASONS LED   a weighing
#   E  CLASS TIME TEXT                         another event, as a sentence
# Columns are padded to their display width (a CJK character takes two
# cells, `·` one), so plates with Chinese characters line up.  With
# COLOUR 1 (tools/demo.sh passes it when standard output is a colour
# terminal) turn-backs, intercepts, holds, forced entries and device faults
# are painted; without it the lines are plain, and the same rows are marked
# ">>" in either case.
use strict;
use warnings;

$| = 1;
binmode STDIN, ':encoding(UTF-8)';
binmode STDOUT, ':encoding(UTF-8)';

my $colour = (shift @ARGV // '0') eq '1';

# Select Graphic Rendition by class of line.
my %sgr = (
	turnback  => '1;31',	# bold red
	intercept => '1;35',	# bold magenta
	hold      => '1;33',	# bold yellow
	retry     => '33',	# yellow
	fault     => '1;31',
	forced    => '1;97;41',	# bold white on red
	device    => '1;31',
	recovered => '32',	# green
	event     => '1;36',	# bold cyan
	head      => '1',
);
# Rows that stand out in plain text too.
my %mark = map { $_ => 1 } qw(turnback intercept hold fault forced device);

# Display width: East Asian wide and full-width characters take two cells,
# combining marks and format characters none, everything else one.
sub width {
	my $w = 0;
	for my $c (split //, $_[0]) {
		if ($c =~ /[\p{Mn}\p{Me}\p{Cf}]/) { next }
		$w += $c =~ /[\p{EA=W}\p{EA=F}]/ ? 2 : 1;
	}
	return $w;
}

sub pad {
	my ($s, $n, $right) = @_;
	my $fill = ' ' x ($n - width($s) > 0 ? $n - width($s) : 0);
	return $right ? $fill . $s : $s . $fill;
}

sub paint {
	my ($class, $s) = @_;
	return $s unless $colour && defined $sgr{$class};
	return "\e[$sgr{$class}m$s\e[0m";
}

# time, seq, plate, axles, gross t, legal limit t, decision, reasons, LED
my @cols = ([8, 0], [5, 1], [12, 0], [5, 1], [7, 1], [7, 1], [9, 0], [30, 0]);

sub row {
	my ($class, @f) = @_;
	my @out = map { pad($f[$_], $cols[$_][0], $cols[$_][1]) } 0 .. $#cols;
	my $line = ($mark{$class} ? '>> ' : '   ') . join('  ', @out) . '  ' .
	    ($f[8] // '');
	$line =~ s/\s+$//;
	return paint($class, $line);
}

while (my $l = <STDIN>) {
	chomp $l;
	my ($type, @f) = split /\t/, $l, -1;
	if ($type eq 'H') {
		print row('head', 'time', 'seq', 'plate', 'axles', 'gross t',
		    'limit t', 'decision', 'reasons', 'LED text'), "\n";
	} elsif ($type eq 'W') {
		my $d = $f[6] // '';
		print row($d eq 'pass' ? 'pass' : $d, @f), "\n";
	} elsif ($type eq 'E') {
		my ($class, $time, $text) = @f;
		my $line = ($mark{$class} ? '>> ' : '   ') . pad($time, 8, 0) .
		    '  ** ' . $text;
		print paint($class, $line), "\n";
	} else {
		print join("\t", $type, @f), "\n";
	}
}
