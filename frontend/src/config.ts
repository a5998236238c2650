// The API's origin, fixed at build time (VITE_API_URL); both the app and the
// embed player read it from here.
export const API_URL: string = import.meta.env.VITE_API_URL || 'http://localhost:8000';
