/** JWS `typ` of a sealed status list (VC-JOSE-COSE: a credential secured as a JWT). */
export const STATUS_LIST_TYP = 'vc+jwt';
