/* Preloaded after the ASan runtime into Debian's uninstrumented mosquitto
 * (scripts/ci/sanitizer-env.sh) so that ASan initialises before any other library's
 * constructor runs.
 *
 * Why: an instrumented program initialises ASan from its .preinit_array; a preloaded runtime
 * has no such hook and its own constructor runs after those of all the broker's libraries.
 * So ASan used to initialise lazily, inside the first malloc -- which came from
 * libgpg-error's constructor calling bindtextdomain() with glibc's gettext lock
 * (_nl_state_lock) held for writing. ASan's initialisation calls dlerror(), which
 * translates through dcgettext(): its read lock on the same lock fails with EDEADLK
 * (ignored), its unlock releases the writer, and bindtextdomain()'s own unlock then drops
 * the reader count below zero. From then on any writer waits for ever: libpq's first
 * connect (it binds its text domain then) hung the broker in bindtextdomain.
 * (llvm-project issue #49223 is the same hang with textdomain().)
 *
 * DF_1_INITFIRST (-Wl,-z,initfirst) makes ld.so run this constructor before every other
 * one, where an instrumented program would run ASan's: no lock is held there yet. */
void __asan_init(void);

__attribute__((constructor)) static void initialise_asan_before_other_constructors(void) {
  __asan_init();
}
