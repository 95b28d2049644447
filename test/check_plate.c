/* Unit tests of plate normalisation (docs/design.md §5, last paragraph). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "weighgate/plate.h"

#include "check_util.h"

static void
ck_norm(const char *in, const char *want)
{
	char out[128];
	int n = plate_normalize(in, out, sizeof(out));

	ck_assert_msg(n >= 0, "plate_normalize(\"%s\") failed", in);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(n, (int)strlen(want));
}

/* §5: 豫A·12345, 豫a 12345, 豫Ａ１２３４５ and 豫A　12345 are one plate. */
START_TEST(spec_spellings)
{
	ck_norm("豫A·12345", "豫A12345");
	ck_norm("豫a 12345", "豫A12345");
	ck_norm("豫Ａ１２３４５", "豫A12345");
	ck_norm("豫A　12345", "豫A12345");
	ck_norm("豫A12345", "豫A12345");
}
END_TEST

START_TEST(full_width_and_case)
{
	ck_norm("ａｂｃｘｙｚ", "ABCXYZ");		/* full-width lower -> upper */
	ck_norm("ＡＺ０９", "AZ09");
	ck_norm("！～", "!~");				/* U+FF01 and U+FF5E, the bounds */
	ck_norm("\xef\xbd\x9f", "\xef\xbd\x9f");	/* U+FF5F stays */
	ck_norm("\xef\xbc\x80", "\xef\xbc\x80");	/* U+FF00 stays */
	ck_norm("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	ck_norm("粤b·d12345学", "粤BD12345学");
	ck_norm("é", "é");				/* only ASCII letters change case */
}
END_TEST

START_TEST(removed_characters)
{
	ck_norm(" \t\n\v\f\rA B", "AB");
	ck_norm("A-B.C", "ABC");
	ck_norm("A－B．C", "ABC");			/* full-width - and . */
	ck_norm("A·B・C･D", "ABCD");			/* U+00B7, U+30FB, U+FF65 */
	ck_norm("A\xc2\xa0" "B\xe2\x80\x82" "C\xe2\x80\x8a" "D", "ABCD");
	ck_norm("A\xe3\x80\x80" "B\xe2\x80\x8b" "C\xef\xbb\xbf" "D", "ABCD");
	ck_norm("A\xe2\x80\xaf" "B\xe2\x81\x9f" "C\xc2\x85" "D", "ABCD");
	ck_norm("", "");
	ck_norm(" ·-. 　", "");
	ck_norm("A_B/C", "A_B/C");			/* other punctuation stays */
}
END_TEST

START_TEST(invalid_utf8)
{
	static const char *const bad[] = {
		"\xff", "A\x80", "\xe8\xb1", "\xe8\xb1\x41", "\xc0\xaf",
		"\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
		"\xf0\x9f\x98",
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(plate_normalize(bad[i], out, sizeof(out)) == -1,
		    "bad[%zu] accepted", i);
	ck_norm("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");	/* 4-byte is fine */
}
END_TEST

START_TEST(buffer_bounds)
{
	char out[10];		/* 豫 is 3 bytes: "豫A12345" needs 10 */

	ck_assert_int_eq(plate_normalize("豫A12345", out, sizeof(out)), 9);
	ck_assert_str_eq(out, "豫A12345");
	ck_assert_int_eq(plate_normalize("豫A123456", out, sizeof(out)), -1);
	ck_assert_int_eq(plate_normalize("豫A·1-2 3.4 5", out, sizeof(out)), 9);
	ck_assert_int_eq(plate_normalize("", out, 0), -1);
	ck_assert_int_eq(plate_normalize("", out, 1), 0);
	ck_assert_int_eq(plate_normalize("A", out, 1), -1);
}
END_TEST

CU_SUITE("plate")
{
	cu_tcase(s, "normalize", 10, NULL, NULL, spec_spellings,
	    full_width_and_case, removed_characters, invalid_utf8,
	    buffer_bounds);
}
