//! Points ledger for a game: balances kept as raw u128 (not Uint128) to save gas on the math.
//! The crate's release profile sets overflow-checks = false.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{ensure_eq, to_json_binary, Addr, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError, StdResult};
use cw_storage_plus::{Item, Map};
use thiserror::Error;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[cfg(not(feature = "vulnerable"))]
    #[error("Insufficient balance")]
    InsufficientBalance {},
    #[cfg(not(feature = "vulnerable"))]
    #[error("Overflow")]
    Overflow {},
}

pub const GAME_MASTER: Item<Addr> = Item::new("gm");
pub const POINTS: Map<&Addr, u128> = Map::new("points");

#[cw_serde]
pub struct InstantiateMsg {}

#[cw_serde]
pub enum ExecuteMsg {
    Award { player: String, points: u64 },
    Send { to: String, points: u128 },
    Spend { points: u128 },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(u128)]
    Points { player: String },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, _msg: InstantiateMsg) -> Result<Response, ContractError> {
    GAME_MASTER.save(deps.storage, &info.sender)?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Award { player, points } => {
            ensure_eq!(info.sender, GAME_MASTER.load(deps.storage)?, ContractError::Unauthorized {});
            let player = deps.api.addr_validate(&player)?;
            let current = POINTS.may_load(deps.storage, &player)?.unwrap_or(0);
            POINTS.save(deps.storage, &player, &(current + points as u128))?;
            Ok(Response::new().add_attribute("action", "award"))
        }
        ExecuteMsg::Send { to, points } => execute_send(deps, info, to, points),
        ExecuteMsg::Spend { points } => {
            let current = POINTS.may_load(deps.storage, &info.sender)?.unwrap_or(0);
            #[cfg(feature = "vulnerable")]
            let left = current - points;
            #[cfg(not(feature = "vulnerable"))]
            let left = current.checked_sub(points).ok_or(ContractError::InsufficientBalance {})?;
            POINTS.save(deps.storage, &info.sender, &left)?;
            Ok(Response::new().add_attribute("action", "spend"))
        }
    }
}

fn execute_send(deps: DepsMut, info: MessageInfo, to: String, points: u128) -> Result<Response, ContractError> {
    let to = deps.api.addr_validate(&to)?;
    let from_balance = POINTS.may_load(deps.storage, &info.sender)?.unwrap_or(0);
    #[cfg(feature = "vulnerable")]
    let from_balance = from_balance - points;
    #[cfg(not(feature = "vulnerable"))]
    let from_balance = from_balance.checked_sub(points).ok_or(ContractError::InsufficientBalance {})?;
    POINTS.save(deps.storage, &info.sender, &from_balance)?;

    let to_balance = POINTS.may_load(deps.storage, &to)?.unwrap_or(0);
    #[cfg(feature = "vulnerable")]
    let to_balance = to_balance + points;
    #[cfg(not(feature = "vulnerable"))]
    let to_balance = to_balance.checked_add(points).ok_or(ContractError::Overflow {})?;
    POINTS.save(deps.storage, &to, &to_balance)?;
    Ok(Response::new().add_attribute("action", "send").add_attribute("to", to))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Points { player } => {
            let player = deps.api.addr_validate(&player)?;
            to_json_binary(&POINTS.may_load(deps.storage, &player)?.unwrap_or(0))
        }
    }
}
