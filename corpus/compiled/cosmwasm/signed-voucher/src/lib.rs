//! Voucher redemption: an off-chain issuer signs (secp256k1, Cosmos style) vouchers
//! "voucher:<contract>:<recipient>:<amount>:<id>"; anyone holding one can redeem it for native
//! tokens from the contract.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    coins, ensure, to_json_binary, BankMsg, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError, StdResult,
    Uint128, VerificationError,
};
use cw_storage_plus::{Item, Map};
use sha2::{Digest, Sha256};
use thiserror::Error;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("{0}")]
    Verification(#[from] VerificationError),
    #[error("Invalid voucher signature")]
    InvalidSignature {},
    #[error("Voucher already redeemed")]
    AlreadyRedeemed {},
}

#[cw_serde]
pub struct Config {
    pub issuer_pubkey: Binary,
    pub denom: String,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const REDEEMED: Map<u64, bool> = Map::new("redeemed");

#[cw_serde]
pub struct InstantiateMsg {
    pub issuer_pubkey: Binary,
    pub denom: String,
}

#[cw_serde]
pub enum ExecuteMsg {
    Redeem { voucher_id: u64, amount: Uint128, signature: Binary },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(bool)]
    IsRedeemed { voucher_id: u64 },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, _info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    CONFIG.save(deps.storage, &Config { issuer_pubkey: msg.issuer_pubkey, denom: msg.denom })?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Redeem { voucher_id, amount, signature } => execute_redeem(deps, env, info, voucher_id, amount, signature),
    }
}

fn execute_redeem(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    voucher_id: u64,
    amount: Uint128,
    signature: Binary,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    ensure!(!REDEEMED.has(deps.storage, voucher_id), ContractError::AlreadyRedeemed {});

    let message = format!("voucher:{}:{}:{}:{}", env.contract.address, info.sender, amount, voucher_id);
    let hash = Sha256::digest(message.as_bytes());

    #[cfg(feature = "vulnerable")]
    deps.api.secp256k1_verify(&hash, &signature, &config.issuer_pubkey)?;
    #[cfg(not(feature = "vulnerable"))]
    {
        let valid = deps.api.secp256k1_verify(&hash, &signature, &config.issuer_pubkey)?;
        ensure!(valid, ContractError::InvalidSignature {});
    }

    REDEEMED.save(deps.storage, voucher_id, &true)?;
    Ok(Response::new()
        .add_message(BankMsg::Send { to_address: info.sender.to_string(), amount: coins(amount.u128(), config.denom) })
        .add_attribute("action", "redeem")
        .add_attribute("voucher_id", voucher_id.to_string()))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::IsRedeemed { voucher_id } => to_json_binary(&REDEEMED.has(deps.storage, voucher_id)),
    }
}
