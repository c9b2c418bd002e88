#!/usr/bin/perl
# pgpilot's fence watchdog: stops PostgreSQL when the keeper does not renew the primary Lease by its deadline,
# whether or not the keeper's JVM still runs (a long GC pause, a hung or frozen keeper). The keeper keeps
# re-arming it; it runs beside PostgreSQL as PostgreSQL's user and dies with the keeper's process.
#
# Usage: fence-watchdog.pl DEADLINE_FILE
# The file holds one line, rewritten by the keeper: "armed POSTMASTER_PID DEADLINE" (DEADLINE in nanoseconds
# of CLOCK_MONOTONIC, the clock of the keeper's System.nanoTime) while PostgreSQL may accept writes, or
# "disarmed". Past an armed deadline the postmaster gets SIGINT (a fast shutdown: every session is ended at
# once, nothing more is acknowledged, and the standbys still receive the WAL up to the shutdown checkpoint),
# SIGQUIT (an immediate stop) if it is still there 500 ms later, and SIGKILL 500 ms after that. Checked every
# 10 ms.
use strict;
use warnings;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC sleep);
use POSIX qw(strftime);

my $file = shift or die "usage: fence-watchdog.pl DEADLINE_FILE\n";

# Whether $pid is a PostgreSQL process: a pid reused by anything else is never signalled.
sub is_postgres {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/comm") or return 0;
    my $comm = <$fh> // '';
    close $fh;
    return $comm =~ /^postgres/;
}
# Whether $pid still runs: an exited postmaster stays a zombie until the keeper, its parent, reaps it, which a
# frozen keeper does not.
sub running {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/stat") or return 0;
    my $stat = <$fh> // '';
    close $fh;
    return $stat !~ /\) Z /;
}
$| = 1;
my ($seen, $fired) = ('', 0);
while (1) {
    my $line = '';
    if (open(my $fh, '<', $file)) {
        $line = <$fh> // '';
        close $fh;
        chomp $line;
    }
    if ($line ne $seen) {
        $seen = $line;
        $fired = 0;
    }
    if (!$fired && $line =~ /^armed (\d+) (\d+)$/) {
        my ($pid, $deadline) = ($1, $2);
        my $late_ms = (clock_gettime(CLOCK_MONOTONIC) * 1e9 - $deadline) / 1e6;
        if ($late_ms > 0 && is_postgres($pid)) {
            printf STDERR "%s fence-watchdog: the primary Lease was not renewed by its deadline (%.0f ms ago) and the keeper "
                . "did not fence: stopping PostgreSQL (pid %d) now\n", strftime('%H:%M:%S', localtime), $late_ms, $pid;
            for my $signal ('INT', 'QUIT', 'KILL') {
                last unless running($pid);
                kill $signal, $pid;
                for (1 .. 50) {
                    last unless running($pid);
                    sleep 0.01;
                }
            }
            $fired = 1;
        }
    }
    sleep 0.01;
}
