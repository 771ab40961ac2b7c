/**
 * The person's credential for this browser tab: an API key pasted once, kept in session storage
 * (gone when the tab closes, never in the URL or in local storage).
 */
const KEY = 'tributary.credential';

export const credential = (): string | null => sessionStorage.getItem(KEY);
export const signIn = (key: string): void => sessionStorage.setItem(KEY, key.trim());
export const signOut = (): void => sessionStorage.removeItem(KEY);
